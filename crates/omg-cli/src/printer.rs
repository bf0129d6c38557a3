//! The only place that writes to the terminal: data to stdout, messages to stderr,
//! colour only when asked for.

#![expect(clippy::print_stderr, reason = "the printer is where output happens")]

use std::io::{self, Write};

/// ANSI styles; empty when colour is off, so output reads the same without it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Styles {
    pub(crate) bold: &'static str,
    pub(crate) green: &'static str,
    pub(crate) cyan: &'static str,
    pub(crate) magenta: &'static str,
    pub(crate) dim: &'static str,
    pub(crate) reset: &'static str,
}

impl Styles {
    pub(crate) fn new(color: bool) -> Self {
        if color {
            Self {
                bold: "\x1b[1m",
                green: "\x1b[32m",
                cyan: "\x1b[36m",
                magenta: "\x1b[35m",
                dim: "\x1b[2m",
                reset: "\x1b[0m",
            }
        } else {
            Self {
                bold: "",
                green: "",
                cyan: "",
                magenta: "",
                dim: "",
                reset: "",
            }
        }
    }
}

/// Buffered stdout plus styles.
pub(crate) struct Printer {
    out: io::BufWriter<io::StdoutLock<'static>>,
    pub(crate) styles: Styles,
}

impl Printer {
    pub(crate) fn new(color: bool) -> Self {
        Self {
            out: io::BufWriter::with_capacity(64 * 1024, io::stdout().lock()),
            styles: Styles::new(color),
        }
    }

    /// The data stream.
    pub(crate) fn out(&mut self) -> &mut impl Write {
        &mut self.out
    }

    /// Writes a value as pretty JSON with a final newline.
    pub(crate) fn json<T: serde::Serialize>(&mut self, value: &T) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut self.out, value)?;
        writeln!(self.out)
    }

    pub(crate) fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// A one-line message on stderr.
pub(crate) fn message(text: &str) {
    eprintln!("{text}");
}
