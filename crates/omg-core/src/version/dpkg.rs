//! dpkg's version order (`dpkg --compare-versions`, lib/dpkg/version.c): epoch, then
//! upstream version, then revision, the last two with `verrevcmp`, where `~` sorts
//! before everything, even the end of the string.

use std::cmp::Ordering;
use std::fmt;

/// Why a version string is not a valid Debian version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidVersion {
    /// The rejected version.
    pub version: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl fmt::Display for InvalidVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid Debian version `{}`: {}",
            self.version, self.reason
        )
    }
}

impl std::error::Error for InvalidVersion {}

struct Parsed<'a> {
    epoch: &'a str,
    upstream: &'a str,
    revision: &'a str,
}

/// dpkg's `parseversion`: blanks (space and tab, nothing else) trimmed, an epoch
/// before the first `:` when that is a number as `strtol` reads one, the revision
/// after the last `-`. A version dpkg refuses still gets an order, never a panic.
fn parse(version: &str) -> Parsed<'_> {
    let version = trim_blanks(version);
    let (epoch, rest) = match version.split_once(':') {
        Some((epoch, rest)) => match epoch_digits(epoch) {
            Some(digits) => (digits, rest),
            None => ("", version),
        },
        None => ("", version),
    };
    let (upstream, revision) = rest.rsplit_once('-').unwrap_or((rest, ""));
    Parsed {
        epoch,
        upstream,
        revision,
    }
}

/// dpkg trims with `c_isblank`: a newline or form feed is part of the version.
fn trim_blanks(version: &str) -> &str {
    version.trim_matches([' ', '\t'])
}

/// The digits of an epoch as `strtol` accepts it (leading white space, then a sign,
/// then digits); `None` when dpkg would refuse the epoch: no digits, or negative.
fn epoch_digits(epoch: &str) -> Option<&str> {
    let unsigned = epoch.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (negative, digits) = match unsigned.as_bytes().first() {
        Some(b'+') => (false, &unsigned[1..]),
        Some(b'-') => (true, &unsigned[1..]),
        _ => (false, unsigned),
    };
    let valid = !digits.is_empty()
        && digits.bytes().all(|c| c.is_ascii_digit())
        // `-0` is zero, which dpkg takes.
        && !(negative && digits.bytes().any(|c| c != b'0'));
    valid.then_some(digits)
}

/// Checks a version the way dpkg's parser does (a missing leading digit is only a
/// warning there, so it is accepted here).
pub fn validate(version: &str) -> Result<(), InvalidVersion> {
    let invalid = |reason| {
        Err(InvalidVersion {
            version: version.to_owned(),
            reason,
        })
    };
    let trimmed = trim_blanks(version);
    if trimmed.is_empty() {
        return invalid("version string is empty");
    }
    if trimmed.contains(char::is_whitespace) {
        return invalid("version string has embedded spaces");
    }
    if let Some((epoch, _)) = trimmed.split_once(':') {
        if epoch.is_empty() || !epoch.bytes().all(|c| c.is_ascii_digit()) {
            return invalid("epoch in version is not a number");
        }
        if epoch.parse::<i32>().is_err() {
            return invalid("epoch in version is too big");
        }
    }
    let parsed = parse(trimmed);
    if trimmed.contains(':') && parsed.upstream.is_empty() || parsed.upstream.is_empty() {
        return invalid("nothing after colon in version number");
    }
    if trimmed.ends_with('-') {
        return invalid("revision number is empty");
    }
    let allowed_upstream = |c: char| c.is_ascii_alphanumeric() || ".-+~:".contains(c);
    if !parsed.upstream.chars().all(allowed_upstream) {
        return invalid("invalid character in version number");
    }
    let allowed_revision = |c: char| c.is_ascii_alphanumeric() || ".+~".contains(c);
    if !parsed.revision.chars().all(allowed_revision) {
        return invalid("invalid character in revision number");
    }
    Ok(())
}

/// Compares two Debian versions exactly as `dpkg --compare-versions` does.
#[must_use]
pub fn compare(a: &str, b: &str) -> Ordering {
    let a = parse(a);
    let b = parse(b);
    compare_numeric(a.epoch.as_bytes(), b.epoch.as_bytes())
        .then_with(|| verrevcmp(a.upstream.as_bytes(), b.upstream.as_bytes()))
        .then_with(|| verrevcmp(a.revision.as_bytes(), b.revision.as_bytes()))
}

/// dpkg's `order()`: `~` below everything, digits and the end equal, letters by
/// ASCII, anything else after all letters.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        // dpkg reads `char`, signed on the platforms it runs on: a byte above 127
        // is negative there, so it lands between the letters and the punctuation.
        Some(c) if c >= 0x80 => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

fn verrevcmp(mut a: &[u8], mut b: &[u8]) -> Ordering {
    while !a.is_empty() || !b.is_empty() {
        // Non-digit prefixes, character by character.
        while a.first().is_some_and(|c| !c.is_ascii_digit())
            || b.first().is_some_and(|c| !c.is_ascii_digit())
        {
            let ordering = order(a.first().copied()).cmp(&order(b.first().copied()));
            if ordering != Ordering::Equal {
                return ordering;
            }
            a = a.get(1..).unwrap_or_default();
            b = b.get(1..).unwrap_or_default();
        }
        let digits_a = a.iter().take_while(|c| c.is_ascii_digit()).count();
        let digits_b = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let ordering = compare_numeric(&a[..digits_a], &b[..digits_b]);
        if ordering != Ordering::Equal {
            return ordering;
        }
        a = &a[digits_a..];
        b = &b[digits_b..];
    }
    Ordering::Equal
}

/// Compares digit strings as numbers of any length: leading zeros ignored.
fn compare_numeric(a: &[u8], b: &[u8]) -> Ordering {
    let strip = |digits: &[u8]| -> usize { digits.iter().take_while(|&&c| c == b'0').count() };
    let a = &a[strip(a)..];
    let b = &b[strip(b)..];
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_orders_known_vectors() {
        let ascending = ["1.0~~", "1.0~", "1.0~rc1", "1.0", "1.0+b1", "1.0.1"];
        for pair in ascending.windows(2) {
            assert_eq!(
                compare(pair[0], pair[1]),
                Ordering::Less,
                "{} < {}",
                pair[0],
                pair[1]
            );
            assert_eq!(compare(pair[1], pair[0]), Ordering::Greater);
        }
        assert_eq!(compare("1.0-1", "1.0-1+deb12u1"), Ordering::Less);
        assert_eq!(compare("2:1.0", "1:9.9"), Ordering::Greater);
        assert_eq!(compare("1.0a", "1.0+"), Ordering::Less);
        assert_eq!(compare("0:1.0", "1.0"), Ordering::Equal);
        assert_eq!(compare("1.01", "1.1"), Ordering::Equal);
        assert_eq!(
            compare("7.88.1-10+deb12u15", "7.88.1-10+deb12u5"),
            Ordering::Greater
        );
    }

    #[test]
    fn compare_handles_huge_digit_runs() {
        assert_eq!(
            compare("99999999999999999999999", "99999999999999999999998"),
            Ordering::Greater
        );
    }

    /// Found by the `version_order` fuzz target against libdpkg: dpkg trims spaces
    /// and tabs only, so a form feed or newline is a (late-sorting) character.
    #[test]
    fn compare_trims_only_blanks() {
        assert_eq!(compare("18", "\x0c"), Ordering::Less);
        assert_eq!(compare("1.0\n", "1.0"), Ordering::Greater);
        assert_eq!(compare(" 1.0", "1.0\t"), Ordering::Equal);
    }

    /// Found by the same target: dpkg reads the epoch with `strtol`, which takes a
    /// sign, so `+1:` is epoch 1 and `-0:` epoch 0.
    #[test]
    fn compare_reads_epochs_as_strtol_does() {
        assert_eq!(compare("+1:2.0", "1:2.0"), Ordering::Equal);
        assert_eq!(compare("-0:1", "1"), Ordering::Equal);
    }

    /// Found by the same target: a byte above 127 is a negative `char` in dpkg, so
    /// it sorts after the letters but before ASCII punctuation.
    #[test]
    fn compare_orders_high_bytes_as_signed_chars() {
        assert_eq!(compare("1\u{e9}", "1+"), Ordering::Less);
        assert_eq!(compare("1\u{e9}", "1z"), Ordering::Greater);
    }

    #[test]
    fn validate_rejects_bad_versions() {
        assert!(validate("").is_err());
        assert!(validate("a:1.0").is_err());
        assert!(validate("1.0-").is_err());
        assert!(validate("1.0 2").is_err());
        assert!(validate("1.0-a_b").is_err());
        assert!(validate("1:2.0-3+deb12u1").is_ok());
        assert!(validate("abc").is_ok());
    }
}
