//! What a plan must download: apt skips an archive already in its cache, so its
//! "Need to get" counts only the rest, and so does omg's download size.

use std::path::Path;

/// Whether `version`'s archive is in `archives` at its full size, under either
/// name apt looks for (pkgAcqArchive): the file name of its `Filename`, or
/// `name_version_arch.deb` with `_` and `:` (and `.` in the architecture) escaped.
pub(crate) fn is_cached(version: &rust_apt::Version<'_>, archives: &Path) -> bool {
    let size = version.size();
    let fits = |name: &str| {
        // Names come from the lists: one with a separator is not an archive name.
        !name.is_empty()
            && !name.contains('/')
            && name != ".."
            && std::fs::symlink_metadata(archives.join(name))
                .is_ok_and(|metadata| metadata.is_file() && metadata.len() == size)
    };
    let legacy = version
        .get_record(rust_apt::records::RecordField::Filename)
        .map(|filename| filename.rsplit('/').next().unwrap_or_default().to_owned());
    if legacy.as_deref().is_some_and(fits) {
        return true;
    }
    let extension = legacy
        .as_deref()
        .and_then(|name| name.rsplit_once('.'))
        .map_or("deb", |(_, extension)| extension);
    let package = version.parent();
    fits(&store_name(
        package.name(),
        version.version(),
        version.arch(),
        extension,
    ))
}

/// apt's `StoreFilename` for an archive.
fn store_name(name: &str, version: &str, architecture: &str, extension: &str) -> String {
    format!(
        "{}_{}_{}.{extension}",
        quote(name, "_:"),
        quote(version, "_:"),
        quote(architecture, "_:.")
    )
}

/// apt's `QuoteString`: the listed characters, controls, spaces and non-ASCII
/// bytes as `%xx`.
fn quote(text: &str, unsafe_chars: &str) -> String {
    let mut quoted = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte <= 0x20 || byte >= 0x7f || unsafe_chars.as_bytes().contains(&byte) {
            quoted.push_str(&format!("%{byte:02x}"));
        } else {
            quoted.push(char::from(byte));
        }
    }
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_names_escape_as_apt_does() {
        assert_eq!(
            store_name("vim", "2:9.1.0-1", "amd64", "deb"),
            "vim_2%3a9.1.0-1_amd64.deb"
        );
        assert_eq!(
            store_name("a_b", "1.0", "x.y", "udeb"),
            "a%5fb_1.0_x%2ey.udeb"
        );
    }
}
