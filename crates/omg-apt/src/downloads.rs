//! What a plan must download: apt skips an archive already in its cache, so its
//! "Need to get" counts only the rest, and so does omg's download size. (A partial
//! download is resumed, but apt counts its whole size, and so does omg.)

use std::path::Path;

/// The bytes of `version`'s archive apt-get counts as still to fetch into
/// `archives` (pkgAcqArchive, FetchNeeded): nothing when the archive is there at
/// its full size under apt's name for it, else its size.
pub(crate) fn still_to_fetch(version: &rust_apt::Version<'_>, archives: &Path) -> u64 {
    let size = version.size();
    let extension = version
        .get_record(rust_apt::records::RecordField::Filename)
        .and_then(|filename| {
            let name = filename.rsplit('/').next().unwrap_or_default().to_owned();
            name.rsplit_once('.')
                .map(|(_, extension)| extension.to_owned())
        })
        .unwrap_or_default();
    let package = version.parent();
    let name = store_name(
        package.name(),
        version.version(),
        version.arch(),
        &extension,
    );
    let length = |path: &Path| {
        // Not followed: apt's cache holds files it wrote, and a link is not one.
        std::fs::symlink_metadata(path)
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map(|metadata| metadata.len())
    };
    if length(&archives.join(&name)) == Some(size) {
        0
    } else {
        size
    }
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
