//! How the binaries report an error they stop on: one line, the error's `Display`
//! followed by each underlying cause that its message does not already include.
//! Binaries include this file by path; each uses the part it needs.
#![allow(dead_code)]

use std::error::Error;
use std::process::ExitCode;

/// `error` and its sources as one line: `outer: cause: root cause`. A source whose
/// text the message so far already holds (errors that print their source themselves)
/// is not repeated.
pub fn report(error: &dyn Error) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    line
}

/// Prints `program: <report>` to stderr; the failure exit code (1).
pub fn fail(program: &str, error: &dyn Error) -> ExitCode {
    eprintln!("{program}: {}", report(error));
    ExitCode::FAILURE
}

/// The exit code of a command line that cannot work as given (2, as for a usage
/// error).
pub const USAGE: u8 = 2;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);

    impl std::fmt::Display for Layer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl Error for Layer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            self.1.as_deref().map(|l| l as &(dyn Error + 'static))
        }
    }

    #[test]
    fn causes_follow_the_message_once() {
        let root = Layer("connection refused", None);
        let middle = Layer("broker unreachable: connection refused", Some(Box::new(root)));
        let top = Layer("cannot start", Some(Box::new(middle)));
        assert_eq!(
            report(&top),
            "cannot start: broker unreachable: connection refused"
        );
    }
}
