//! Debian control-file stanzas (dpkg status, APT `Packages` lists, extended_states):
//! `Key: value` fields, continuation lines starting with a space or tab, stanzas
//! separated by blank lines. Borrowing parser: nothing is copied until a caller asks.

use memchr::memchr;

/// Splits a control file into its stanzas.
pub(crate) fn stanzas(text: &[u8]) -> impl Iterator<Item = Stanza<'_>> {
    let mut rest = text;
    std::iter::from_fn(move || loop {
        // Skip blank lines between stanzas.
        while let Some(after) = rest
            .strip_prefix(b"\n")
            .or_else(|| rest.strip_prefix(b"\r\n"))
        {
            rest = after;
        }
        if rest.is_empty() {
            return None;
        }
        let end = find_blank_line(rest).unwrap_or(rest.len());
        let stanza = &rest[..end];
        rest = &rest[end..];
        if !stanza.iter().all(u8::is_ascii_whitespace) {
            return Some(Stanza { text: stanza });
        }
    })
}

fn find_blank_line(text: &[u8]) -> Option<usize> {
    // One SIMD pass instead of a scan per line; CRLF files are rare enough to take
    // the slower second search only when the first finds nothing.
    memchr::memmem::find(text, b"\n\n")
        .map(|at| at + 1)
        .or_else(|| memchr::memmem::find(text, b"\n\r\n").map(|at| at + 1))
}

/// One stanza.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stanza<'a> {
    text: &'a [u8],
}

impl<'a> Stanza<'a> {
    /// Every field as `(key, raw value)`; a raw value keeps its continuation lines.
    pub(crate) fn fields(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> {
        let text = self.text;
        let mut position = 0;
        std::iter::from_fn(move || {
            while position < text.len() {
                let line_end =
                    memchr(b'\n', &text[position..]).map_or(text.len(), |i| position + i);
                let line = &text[position..line_end];
                let start = position;
                position = line_end + 1;
                if line.first().is_some_and(|c| *c == b' ' || *c == b'\t') || line.is_empty() {
                    continue; // a stray continuation or empty line
                }
                let Some(colon) = memchr(b':', line) else {
                    continue;
                };
                // Swallow continuation lines.
                let mut value_end = line_end;
                while position < text.len() && matches!(text[position], b' ' | b'\t') {
                    let next_end =
                        memchr(b'\n', &text[position..]).map_or(text.len(), |i| position + i);
                    value_end = next_end;
                    position = next_end + 1;
                }
                let key = &text[start..start + colon];
                let value = trim(&text[start + colon + 1..value_end.min(text.len())]);
                return Some((key, value));
            }
            None
        })
    }

    /// The value of one field (keys compare ASCII-case-insensitively, as dpkg's do).
    pub(crate) fn field(&self, key: &str) -> Option<&'a [u8]> {
        self.fields()
            .find(|(name, _)| name.eq_ignore_ascii_case(key.as_bytes()))
            .map(|(_, value)| value)
    }

    /// A field as text, lossily decoded.
    pub(crate) fn text_field(&self, key: &str) -> Option<String> {
        self.field(key).map(lossy)
    }
}

pub(crate) fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    &bytes[start..end]
}

pub(crate) fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The first line of a description: the synopsis.
pub(crate) fn synopsis(description: &[u8]) -> &[u8] {
    trim(
        description
            .split(|&c| c == b'\n')
            .next()
            .unwrap_or_default(),
    )
}

/// The lines after the synopsis without the one space that marks them as
/// continuation lines (further indentation means verbatim text and stays), with
/// ` .` turned into empty lines.
pub(crate) fn extended_description(description: &[u8]) -> Option<String> {
    let mut lines = description.split(|&c| c == b'\n');
    lines.next();
    let body: Vec<String> = lines
        .map(|line| {
            let line = line.strip_prefix(b" ").unwrap_or(line);
            let end = line
                .iter()
                .rposition(|c| !c.is_ascii_whitespace())
                .map_or(0, |i| i + 1);
            let line = &line[..end];
            if line == b"." {
                String::new()
            } else {
                lossy(line)
            }
        })
        .collect();
    (!body.is_empty()).then(|| body.join("\n"))
}

/// Splits a relationship field (`a (>= 1), b | c`) into its comma-separated items.
pub(crate) fn relation_items(value: &[u8]) -> Vec<String> {
    let joined: String = lossy(value)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    joined
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The package names in a relationship field, without versions or arch qualifiers.
pub(crate) fn relation_names(value: &[u8]) -> Vec<String> {
    relation_items(value)
        .iter()
        .flat_map(|item| item.split('|'))
        .map(|alternative| {
            let name = alternative
                .trim()
                .split([' ', '('])
                .next()
                .unwrap_or_default();
            name.split(':').next().unwrap_or_default().to_owned()
        })
        .filter(|name| !name.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &[u8] = b"Package: a\nVersion: 1.0\nDescription: short\n line one\n .\n line two\n\n\nPackage: b\nVersion: 2\nProvides: x (= 1), y:any\nDepends: c (>= 1) | d, e\n";

    #[test]
    fn stanzas_split_on_blank_lines() {
        let names: Vec<String> = stanzas(TEXT)
            .map(|s| s.text_field("Package").unwrap())
            .collect();
        assert_eq!(names, ["a", "b"]);
    }

    #[test]
    fn field_keeps_continuation_lines() {
        let first = stanzas(TEXT).next().unwrap();
        let description = first.field("description").unwrap();
        assert_eq!(synopsis(description), b"short");
        assert_eq!(
            extended_description(description).unwrap(),
            "line one\n\nline two"
        );
        assert_eq!(first.text_field("Version").unwrap(), "1.0");
    }

    #[test]
    fn relation_names_drop_versions_and_arch() {
        let second = stanzas(TEXT).nth(1).unwrap();
        assert_eq!(
            relation_names(second.field("Provides").unwrap()),
            ["x", "y"]
        );
        assert_eq!(
            relation_names(second.field("Depends").unwrap()),
            ["c", "d", "e"]
        );
        assert_eq!(
            relation_items(second.field("Depends").unwrap()),
            ["c (>= 1) | d", "e"]
        );
    }

    #[test]
    fn stanzas_of_blank_text_is_empty() {
        assert_eq!(stanzas(b"\n\n  \n").count(), 0);
        assert_eq!(stanzas(b"").count(), 0);
    }
}
