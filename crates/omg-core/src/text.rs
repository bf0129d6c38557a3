//! Text from outside (package databases, mirrors, the AUR, version files in a
//! cloned repository) made safe to print: control characters are written as
//! escapes, so an ANSI sequence in a description cannot drive the terminal.

use std::borrow::Cow;

/// `text` with every control character except those in `keep` written out
/// (`\x1b`, `\r`, `\u{9b}`). Borrowed when nothing needed escaping.
#[must_use]
pub fn escape_controls<'a>(text: &'a str, keep: &[char]) -> Cow<'a, str> {
    let unsafe_char = |c: char| c.is_control() && !keep.contains(&c);
    if !text.contains(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\r' if unsafe_char(c) => escaped.push_str("\\r"),
            '\n' if unsafe_char(c) => escaped.push_str("\\n"),
            c if unsafe_char(c) && u32::from(c) < 0x80 => {
                escaped.push_str(&format!("\\x{:02x}", u32::from(c)));
            }
            c if unsafe_char(c) => escaped.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => escaped.push(c),
        }
    }
    Cow::Owned(escaped)
}

/// One line of outside text: every control character escaped, newlines too.
#[must_use]
pub fn printable(text: &str) -> Cow<'_, str> {
    escape_controls(text, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_the_rest_kept() {
        assert_eq!(printable("plain é ü"), "plain é ü");
        assert!(matches!(printable("plain"), Cow::Borrowed(_)));
        assert_eq!(
            printable("a\x1b[31mb\r\n\u{9b}c"),
            "a\\x1b[31mb\\r\\n\\u{9b}c"
        );
        assert_eq!(
            escape_controls("a\nb\tc\x07", &['\n', '\t']),
            "a\nb\tc\\x07"
        );
    }
}
