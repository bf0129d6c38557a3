//! Which backend fits this machine, from /etc/os-release (`ID`, `ID_LIKE`).

use crate::BackendKind;

/// Picks the backend for an os-release file's contents: Arch-like or Debian-like
/// by `ID` first, then by each word of `ID_LIKE`.
#[must_use]
pub fn detect_from_os_release(contents: &str) -> Option<BackendKind> {
    let id = os_release_value(contents, "ID").unwrap_or_default();
    let like = os_release_value(contents, "ID_LIKE").unwrap_or_default();
    std::iter::once(id.as_str())
        .chain(like.split_whitespace())
        .find_map(kind_of_id)
}

/// `KEY=value` from an os-release file, unquoted.
fn os_release_value(contents: &str, key: &str) -> Option<String> {
    contents.lines().find_map(|line| {
        let rest = line.trim().strip_prefix(key)?.strip_prefix('=')?;
        Some(
            rest.trim()
                .trim_matches(|c| c == '"' || c == '\'')
                .to_owned(),
        )
    })
}

fn os_release() -> Option<String> {
    ["/etc/os-release", "/usr/lib/os-release"]
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())
}

/// The release codename (`bookworm`) from os-release's `VERSION_CODENAME`.
#[must_use]
pub fn codename() -> Option<String> {
    os_release_value(&os_release()?, "VERSION_CODENAME").filter(|name| !name.is_empty())
}

/// The distribution's id (`debian`, `ubuntu`, `arch`) from os-release's `ID`.
#[must_use]
pub fn id() -> Option<String> {
    os_release_value(&os_release()?, "ID").filter(|id| !id.is_empty())
}

fn kind_of_id(id: &str) -> Option<BackendKind> {
    match id {
        "arch" | "archarm" | "manjaro" | "endeavouros" | "cachyos" | "artix" | "garuda" => {
            Some(BackendKind::Arch)
        }
        "debian" | "ubuntu" | "linuxmint" | "pop" | "raspbian" | "kali" | "elementary" => {
            Some(BackendKind::Debian)
        }
        _ => None,
    }
}

/// Reads /etc/os-release (or /usr/lib/os-release) and detects the backend.
#[must_use]
pub fn detect() -> Option<BackendKind> {
    os_release().and_then(|contents| detect_from_os_release(&contents))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detect_debian_by_id() {
        let os = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n";
        assert_eq!(detect_from_os_release(os), Some(BackendKind::Debian));
    }

    #[test]
    fn detect_ubuntu_derivative_by_id_like() {
        let os = "ID=neon\nID_LIKE=\"ubuntu debian\"\n";
        assert_eq!(detect_from_os_release(os), Some(BackendKind::Debian));
    }

    #[test]
    fn detect_arch_derivative_by_id_like() {
        let os = "ID=someos\nID_LIKE=arch\n";
        assert_eq!(detect_from_os_release(os), Some(BackendKind::Arch));
    }

    #[test]
    fn detect_unknown_distro_is_none() {
        assert_eq!(detect_from_os_release("ID=fedora\nID_LIKE=rhel\n"), None);
    }
}
