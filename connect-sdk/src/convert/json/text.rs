//! JSON text as Kafka's JsonConverter writes it (Jackson's output): strings escaped
//! the way Jackson escapes them, numbers printed as Java prints them, bytes in Base64.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Appends `s` as a JSON string: `"` and `\` escaped, control characters as `\b \t \n
/// \f \r` or `\u00XX` (upper-case hex), everything else as it is.
pub(crate) fn string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('"');
    let mut clean = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            b'\t' => "\\t",
            b'\n' => "\\n",
            0x0C => "\\f",
            b'\r' => "\\r",
            0..0x20 => "",
            _ => continue,
        };
        out.push_str(&s[clean..i]);
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xF)] as char);
        } else {
            out.push_str(escape);
        }
        clean = i + 1;
    }
    out.push_str(&s[clean..]);
    out.push('"');
}

/// Appends `bytes` as a JSON string of their Base64 (standard alphabet, padded).
pub(crate) fn bytes(out: &mut String, bytes: &[u8]) {
    out.push('"');
    STANDARD.encode_string(bytes, out);
    out.push('"');
}

/// Appends a double as Java's `Double.toString` prints it: `1.0`, `0.001`, `1.0E7`,
/// `1.234E-5`, with the fewest digits that read back as the same double.
pub(crate) fn double(out: &mut String, v: f64) {
    if !v.is_finite() {
        non_finite(out, v.is_nan(), v > 0.0);
        return;
    }
    java_decimal(out, &format!("{v:e}"), v.abs(), v.is_sign_negative());
}

/// Appends a float as Java's `Float.toString` prints it (see [`double`]).
pub(crate) fn float(out: &mut String, v: f32) {
    if !v.is_finite() {
        non_finite(out, v.is_nan(), v > 0.0);
        return;
    }
    java_decimal(out, &format!("{v:e}"), f64::from(v.abs()), v.is_sign_negative());
}

/// Jackson writes the non-finite numbers as strings.
fn non_finite(out: &mut String, nan: bool, positive: bool) {
    out.push_str(match (nan, positive) {
        (true, _) => "\"NaN\"",
        (false, true) => "\"Infinity\"",
        (false, false) => "\"-Infinity\"",
    });
}

/// Rewrites Rust's shortest scientific form (`-1.25e-3`) in Java's layout: plain from
/// 10^-3 up to 10^7, scientific (`1.25E-4`) outside, always a digit after the point.
fn java_decimal(out: &mut String, scientific: &str, magnitude: f64, negative: bool) {
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if negative {
        out.push('-');
    }
    if magnitude == 0.0 {
        out.push_str("0.0");
        return;
    }
    if (1e-3..1e7).contains(&magnitude) {
        if exponent >= 0 {
            let int_len = exponent as usize + 1;
            let int: String = digits
                .chars()
                .chain(std::iter::repeat('0'))
                .take(int_len)
                .collect();
            let frac = digits.get(int_len..).filter(|f| !f.is_empty()).unwrap_or("0");
            out.push_str(&int);
            out.push('.');
            out.push_str(frac);
        } else {
            out.push_str("0.");
            out.push_str(&"0".repeat((-exponent - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        out.push('.');
        out.push_str(if rest.is_empty() { "0" } else { rest });
        out.push('E');
        out.push_str(&exponent.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(v: f64) -> String {
        let mut s = String::new();
        double(&mut s, v);
        s
    }

    #[test]
    fn doubles_print_as_java_prints_them() {
        for (v, text) in [
            (1.0, "1.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (123.456, "123.456"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (1e7, "1.0E7"),
            (9_999_999.0, "9999999.0"),
            (1.5e300, "1.5E300"),
            (-2.5e-8, "-2.5E-8"),
            (100.0, "100.0"),
            (0.1 + 0.2, "0.30000000000000004"),
        ] {
            assert_eq!(d(v), text, "{v}");
        }
        let mut s = String::new();
        float(&mut s, 2.75f32);
        assert_eq!(s, "2.75");
    }

    #[test]
    fn strings_escape_as_jackson_escapes_them() {
        let mut s = String::new();
        string(&mut s, "a\"b\\c\n\u{1}é/\u{7f}");
        assert_eq!(s, "\"a\\\"b\\\\c\\n\\u0001é/\u{7f}\"");
    }
}
