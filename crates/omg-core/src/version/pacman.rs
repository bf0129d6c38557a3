//! pacman's version order (`alpm_pkg_vercmp` and `rpmvercmp` in libalpm's
//! version.c): `epoch:pkgver-pkgrel`, each part split into runs of digits or letters
//! with separators compared only by length.

use std::cmp::Ordering;

struct Parsed<'a> {
    epoch: &'a str,
    version: &'a str,
    release: Option<&'a str>,
}

/// libalpm's `parseEVR`: the epoch is leading digits before `:` (default `0`), the
/// release follows the last `-`.
fn parse(evr: &str) -> Parsed<'_> {
    let digits = evr.bytes().take_while(u8::is_ascii_digit).count();
    let (epoch, rest) = if evr.as_bytes().get(digits) == Some(&b':') {
        let epoch = &evr[..digits];
        (
            if epoch.is_empty() { "0" } else { epoch },
            &evr[digits + 1..],
        )
    } else {
        ("0", evr)
    };
    match rest.rsplit_once('-') {
        Some((version, release)) => Parsed {
            epoch,
            version,
            release: Some(release),
        },
        None => Parsed {
            epoch,
            version: rest,
            release: None,
        },
    }
}

/// Compares two package versions exactly as `vercmp` (pacman) does.
#[must_use]
pub fn vercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let a = parse(a);
    let b = parse(b);
    let mut ordering = rpmvercmp(a.epoch, b.epoch);
    if ordering == Ordering::Equal {
        ordering = rpmvercmp(a.version, b.version);
        if ordering == Ordering::Equal {
            if let (Some(release_a), Some(release_b)) = (a.release, b.release) {
                ordering = rpmvercmp(release_a, release_b);
            }
        }
    }
    ordering
}

fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let a = a.as_bytes();
    let b = b.as_bytes();
    let (mut one, mut two) = (0usize, 0usize);
    let (mut ptr1, mut ptr2) = (0usize, 0usize);
    let at = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);
    while at(a, one) != 0 && at(b, two) != 0 {
        while at(a, one) != 0 && !at(a, one).is_ascii_alphanumeric() {
            one += 1;
        }
        while at(b, two) != 0 && !at(b, two).is_ascii_alphanumeric() {
            two += 1;
        }
        // One string ran out of segments.
        if at(a, one) == 0 || at(b, two) == 0 {
            break;
        }
        // Separator runs of different lengths decide the comparison.
        if one - ptr1 != two - ptr2 {
            return if one - ptr1 < two - ptr2 {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        ptr1 = one;
        ptr2 = two;
        let is_numeric = at(a, ptr1).is_ascii_digit();
        let same_class = |c: u8| {
            if is_numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        while at(a, ptr1) != 0 && same_class(at(a, ptr1)) {
            ptr1 += 1;
        }
        while at(b, ptr2) != 0 && same_class(at(b, ptr2)) {
            ptr2 += 1;
        }
        let mut segment1 = &a[one..ptr1];
        let mut segment2 = &b[two..ptr2];
        // Segments of different classes: the numeric one is newer.
        if segment2.is_empty() {
            return if is_numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        if is_numeric {
            while segment1.first() == Some(&b'0') {
                segment1 = &segment1[1..];
            }
            while segment2.first() == Some(&b'0') {
                segment2 = &segment2[1..];
            }
            if segment1.len() != segment2.len() {
                return segment1.len().cmp(&segment2.len());
            }
        }
        let ordering = segment1.cmp(segment2);
        if ordering != Ordering::Equal {
            return ordering;
        }
        one = ptr1;
        two = ptr2;
    }
    let rest1 = at(a, one);
    let rest2 = at(b, two);
    if rest1 == 0 && rest2 == 0 {
        return Ordering::Equal;
    }
    // The string with a remaining alpha segment is older, else the longer is newer.
    if (rest1 == 0 && !rest2.is_ascii_alphabetic()) || rest1.is_ascii_alphabetic() {
        Ordering::Less
    } else {
        Ordering::Greater
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vercmp_orders_known_vectors() {
        let ascending = ["1.0a", "1.0", "1.0.1", "1.1"];
        for pair in ascending.windows(2) {
            assert_eq!(
                vercmp(pair[0], pair[1]),
                Ordering::Less,
                "{} < {}",
                pair[0],
                pair[1]
            );
            assert_eq!(vercmp(pair[1], pair[0]), Ordering::Greater);
        }
        let less = [
            ("1.0alpha", "1.0beta"),
            ("1.a", "1.1"),
            ("1.0a", "1.0.1"),
            ("1.0-1", "1.0-2"),
            ("1.0rc1-1", "1.0-1"),
            ("2.3-1", "2.3.0-1"),
            ("2.0-1", "1:0.9-1"),
            ("1.0", "1..0"),
            ("2.0", "1:0.1"),
        ];
        for (a, b) in less {
            assert_eq!(vercmp(a, b), Ordering::Less, "{a} < {b}");
            assert_eq!(vercmp(b, a), Ordering::Greater, "{b} > {a}");
        }
        assert_eq!(vercmp("1.0", "1.0-1"), Ordering::Equal);
        assert_eq!(vercmp("1.0.a", "1.0"), Ordering::Greater);
        assert_eq!(vercmp("1.0", "1_0"), Ordering::Equal);
        assert_eq!(vercmp("0:1.0", "1.0"), Ordering::Equal);
    }
}
