//! The README opens with the crate documentation's first example, word for word.

/// The first fenced code block of `text`, without its fence lines.
fn first_example(text: &str) -> Option<String> {
    let mut lines = text.lines().skip_while(|l| !l.starts_with("```"));
    lines.next()?;
    let body: Vec<&str> = lines.take_while(|l| !l.starts_with("```")).collect();
    Some(body.join("\n"))
}

#[test]
fn the_readme_example_is_the_crate_docs_first_example() {
    let readme = include_str!("../README.md");
    let crate_docs: String = include_str!("../src/lib.rs")
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    let from_readme = first_example(readme).expect("the README has an example");
    let from_docs = first_example(&crate_docs).expect("the crate docs have an example");
    assert!(from_docs.contains("Decode"), "the example uses the Decode trait");
    assert_eq!(from_readme, from_docs);
}
