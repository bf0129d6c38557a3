//! The only place that writes to the terminal: data to stdout, messages to stderr,
//! colour only when asked for.
//!
//! Text from package databases, mirrors and the AUR is not ours to hand to the
//! terminal: a description holding an escape sequence could recolour, retitle,
//! hide or rewrite what the user sees. So every control character that passes
//! through here is escaped (`\x1b`, `\u{9b}`), whatever command printed it, except
//! newline, tab and the printer's own [`Style`]s. JSON keeps its meaning: the
//! characters serde leaves raw become `\u` escapes. Shell code (`omg hook-env`)
//! does not come through here.

#![expect(clippy::print_stderr, reason = "the printer is where output happens")]

use std::borrow::Cow;
use std::fmt::Display;
use std::io::{self, Write};

/// One of the printer's own ANSI styles: the only text that reaches the terminal
/// unescaped. Made only here, so no outside text can pass as one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style(&'static str);

/// ANSI styles; empty when colour is off, so output reads the same without it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Styles {
    pub(crate) bold: Style,
    pub(crate) green: Style,
    pub(crate) cyan: Style,
    pub(crate) magenta: Style,
    pub(crate) dim: Style,
    pub(crate) red: Style,
    reset: Style,
}

impl Styles {
    pub(crate) fn new(color: bool) -> Self {
        if color {
            Self {
                bold: Style("\x1b[1m"),
                green: Style("\x1b[32m"),
                cyan: Style("\x1b[36m"),
                magenta: Style("\x1b[35m"),
                dim: Style("\x1b[2m"),
                red: Style("\x1b[31m"),
                reset: Style("\x1b[0m"),
            }
        } else {
            let none = Style("");
            Self {
                bold: none,
                green: none,
                cyan: none,
                magenta: none,
                dim: none,
                red: none,
                reset: none,
            }
        }
    }
}

/// A writer that escapes control characters on their way to `inner`.
pub(crate) struct Escaping<W: Write> {
    inner: W,
    reset: Style,
    /// The start of a UTF-8 sequence a write ended in the middle of.
    pending: Vec<u8>,
}

impl<W: Write> Escaping<W> {
    fn new(inner: W, reset: Style) -> Self {
        Self {
            inner,
            reset,
            pending: Vec::new(),
        }
    }

    /// Writes `text` in `style`, then resets it.
    pub(crate) fn paint(&mut self, style: Style, text: impl Display) -> io::Result<()> {
        self.settle()?;
        self.inner.write_all(style.0.as_bytes())?;
        write!(self, "{text}")?;
        if !style.0.is_empty() {
            self.inner.write_all(self.reset.0.as_bytes())?;
        }
        Ok(())
    }

    fn escape_bytes(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        loop {
            match std::str::from_utf8(bytes) {
                Ok(text) => return self.inner.write_all(escape(text).as_bytes()),
                Err(error) => {
                    let (valid, rest) = bytes.split_at(error.valid_up_to());
                    // `valid_up_to` bytes are UTF-8 by definition.
                    let valid = std::str::from_utf8(valid).unwrap_or_default();
                    self.inner.write_all(escape(valid).as_bytes())?;
                    let Some(invalid) = error.error_len() else {
                        self.pending.extend_from_slice(rest);
                        return Ok(());
                    };
                    // A stray byte such as 0x9b is CSI to an 8-bit terminal.
                    for byte in &rest[..invalid] {
                        write!(self.inner, "\\x{byte:02x}")?;
                    }
                    bytes = &rest[invalid..];
                }
            }
        }
    }

    /// Ends an unfinished UTF-8 sequence (escaped) before writing around the
    /// escaping.
    fn settle(&mut self) -> io::Result<()> {
        for byte in std::mem::take(&mut self.pending) {
            write!(self.inner, "\\x{byte:02x}")?;
        }
        Ok(())
    }

    /// Where text goes without escaping; only for what is already safe.
    fn raw(&mut self) -> io::Result<&mut W> {
        self.settle()?;
        Ok(&mut self.inner)
    }
}

impl<W: Write> Write for Escaping<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.pending.is_empty() {
            self.escape_bytes(buf)?;
        } else {
            let mut joined = std::mem::take(&mut self.pending);
            joined.extend_from_slice(buf);
            self.escape_bytes(&joined)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.settle()?;
        self.inner.flush()
    }
}

/// `text` with every control character but newline and tab written out
/// (`\x1b`, `\r`, `\u{9b}`).
pub(crate) fn escape(text: &str) -> Cow<'_, str> {
    omg_core::text::escape_controls(text, &['\n', '\t'])
}

/// JSON text with the control characters serde leaves raw (DEL and C1) as `\u`
/// escapes. They can only occur inside strings, so the document means the same.
fn json_escape(json: &str) -> Cow<'_, str> {
    if !json.contains(char::is_control) {
        return Cow::Borrowed(json);
    }
    let mut escaped = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        // serde already escapes C0; pretty printing adds only newlines and spaces.
        if c.is_control() && c != '\n' {
            escaped.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

/// Buffered, escaped stdout plus styles.
pub(crate) struct Printer {
    out: Escaping<io::BufWriter<io::StdoutLock<'static>>>,
    pub(crate) styles: Styles,
}

impl Printer {
    pub(crate) fn new(color: bool) -> Self {
        let styles = Styles::new(color);
        Self {
            out: Escaping::new(
                io::BufWriter::with_capacity(64 * 1024, io::stdout().lock()),
                styles.reset,
            ),
            styles,
        }
    }

    /// The data stream.
    pub(crate) fn out(&mut self) -> &mut Escaping<impl Write> {
        &mut self.out
    }

    /// Writes a value as pretty JSON with a final newline.
    pub(crate) fn json<T: serde::Serialize>(&mut self, value: &T) -> io::Result<()> {
        let json = serde_json::to_string_pretty(value)?;
        let raw = self.out.raw()?;
        raw.write_all(json_escape(&json).as_bytes())?;
        writeln!(raw)
    }

    pub(crate) fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// A one-line message on stderr.
pub(crate) fn message(text: &str) {
    eprintln!("{}", escape(text));
}

/// Asks a yes/no question on stderr and reads the answer from stdin; an empty
/// answer is yes, as in pacman's `[Y/n]`.
pub(crate) fn prompt(question: &str) -> io::Result<bool> {
    ask(question, true)
}

/// Like [`prompt`], with Enter (an empty answer) meaning `default`.
pub(crate) fn ask(question: &str, default: bool) -> io::Result<bool> {
    eprint!("{}", escape(question));
    io::stderr().flush()?;
    let mut answer = String::new();
    io::stdin().read_line(&mut answer)?;
    Ok(match answer.trim().to_ascii_lowercase().as_str() {
        "" => default,
        answer => answer == "y" || answer == "yes",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped_output(color: bool, write: impl FnOnce(&mut Escaping<Vec<u8>>, Styles)) -> String {
        let styles = Styles::new(color);
        let mut out = Escaping::new(Vec::new(), styles.reset);
        write(&mut out, styles);
        out.flush().unwrap();
        String::from_utf8(out.inner).unwrap()
    }

    #[test]
    fn control_characters_are_escaped_and_styles_are_not() {
        let hostile = "tool \x1b]0;pwned\x07\x1b[2J\rover\u{9b}31m\u{7f}\ttab\nline";
        let plain = escaped_output(false, |out, _| write!(out, "{hostile}").unwrap());
        assert_eq!(
            plain,
            "tool \\x1b]0;pwned\\x07\\x1b[2J\\rover\\u{9b}31m\\x7f\ttab\nline"
        );
        let coloured = escaped_output(true, |out, styles| {
            out.paint(styles.bold, "name\x1b[0m").unwrap();
            write!(out, " ").unwrap();
            out.paint(styles.green, "1.0").unwrap();
        });
        assert_eq!(coloured, "\x1b[1mname\\x1b[0m\x1b[0m \x1b[32m1.0\x1b[0m");
        assert_eq!(escape("clean text"), Cow::Borrowed("clean text"));
    }

    #[test]
    fn split_and_invalid_utf8_never_pass_raw() {
        let output = escaped_output(false, |out, _| {
            // U+009B (CSI) split across two writes, then a lone 0x9b byte.
            out.write_all(&[b'a', 0xc2]).unwrap();
            out.write_all(&[0x9b, b'b', 0x9b, b'c', 0xc3]).unwrap();
        });
        assert_eq!(output, "a\\u{9b}b\\x9bc\\xc3");
    }

    #[test]
    fn json_keeps_its_meaning_with_no_raw_controls() {
        let value = serde_json::json!({ "description": "a\x1b[31mb\u{7f}c\u{9b}d" });
        let json = serde_json::to_string_pretty(&value).unwrap();
        let escaped = json_escape(&json);
        assert!(!escaped.contains(|c: char| c.is_control() && c != '\n'));
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&escaped).unwrap(),
            value
        );
    }
}
