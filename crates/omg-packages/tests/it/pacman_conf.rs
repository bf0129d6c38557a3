//! pacman.conf as pacman 7.1 reads it: each setting omg passes to libalpm, compared
//! with what `pacman-conf` (pacman's own parser) prints for the same file.

use omg_packages::pacman::conf::PacmanConf;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// `pacman-conf --config FILE`'s `[options]` section as key → values.
fn pacman_conf_options(config: &Path) -> BTreeMap<String, Vec<String>> {
    let output = Command::new("pacman-conf")
        .arg("--config")
        .arg(config)
        .output()
        .expect("pacman-conf runs (scripts/setup installs pacman)");
    assert!(
        output.status.success(),
        "pacman-conf failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("utf-8");
    let mut options: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text.lines().skip_while(|line| *line != "[options]").skip(1) {
        if line.starts_with('[') {
            break;
        }
        let (key, value) = line.split_once(" = ").unwrap_or((line, ""));
        options
            .entry(key.to_owned())
            .or_default()
            .push(value.to_owned());
    }
    options
}

fn pacman_version() -> (u32, u32) {
    let output = Command::new("pacman").arg("--version").output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let version = text
        .split_whitespace()
        .find_map(|word| word.strip_prefix('v'))
        .expect("pacman prints its version");
    let mut parts = version.split('.').map(|part| part.parse().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

#[test]
fn pacman_7_download_and_sandbox_settings_read_as_pacman_conf_reads_them() {
    assert!(
        pacman_version() >= (7, 1),
        "the Arch suite runs against pacman 7.1 (scripts/distro-root sid)"
    );
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // pacman 7.1 resolves these paths and refuses ones that do not exist.
    for sub in ["cache1", "cache2", "hooks", "gnupg", "db"] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    let variants = [
        "DownloadUser = nobody\nParallelDownloads = 4\nDisableSandboxFilesystem\n",
        "DisableSandbox\n",
        "DisableSandboxSyscalls\n",
        "DownloadUser = alpm\nDownloadUser = nobody\n",
        "",
    ];
    for extra in variants {
        let config = root.join("pacman.conf");
        std::fs::write(
            &config,
            format!(
                "[options]\nRootDir = {r}\nDBPath = {r}/db/\nCacheDir = {r}/cache1/\nCacheDir = {r}/cache2/\n\
                 HookDir = {r}/hooks/\nGPGDir = {r}/gnupg/\nLogFile = {r}/pacman.log\n\
                 IgnorePkg = a b\nIgnoreGroup = g\nNoUpgrade = etc/x\nNoExtract = usr/share/doc/*\n\
                 SigLevel = Required DatabaseOptional\n{extra}\n[core]\nServer = file:///srv\n",
                r = root.display()
            ),
        )
        .unwrap();
        let ours = PacmanConf::load(&config).unwrap();
        let theirs = pacman_conf_options(&config);
        let values = |key: &str| theirs.get(key).cloned().unwrap_or_default();
        let flag = |key: &str| theirs.contains_key(key);
        let case = format!("with {extra:?}");
        assert_eq!(
            ours.download_user.iter().cloned().collect::<Vec<_>>(),
            values("DownloadUser"),
            "{case}"
        );
        assert_eq!(
            ours.parallel_downloads.unwrap_or(1).to_string(),
            values("ParallelDownloads").concat(),
            "{case}"
        );
        assert_eq!(
            ours.disable_sandbox_filesystem,
            flag("DisableSandboxFilesystem"),
            "{case}"
        );
        assert_eq!(
            ours.disable_sandbox_syscalls,
            flag("DisableSandboxSyscalls"),
            "{case}"
        );
        // pacman-conf prints the resolved path, without the trailing slash libalpm
        // adds back.
        let paths = |list: &[std::path::PathBuf]| -> Vec<String> {
            list.iter()
                .map(|p| p.display().to_string().trim_end_matches('/').to_owned())
                .collect()
        };
        assert_eq!(paths(&ours.cache_dirs), values("CacheDir"), "{case}");
        // pacman adds libalpm's own hook directory under the root after the file's.
        let their_hooks = values("HookDir");
        assert_eq!(
            paths(&ours.hook_dirs),
            their_hooks[..ours.hook_dirs.len()],
            "{case}"
        );
        assert_eq!(ours.ignore_packages, values("IgnorePkg"), "{case}");
        assert_eq!(ours.ignore_groups, values("IgnoreGroup"), "{case}");
        assert_eq!(ours.no_upgrade, values("NoUpgrade"), "{case}");
        assert_eq!(ours.no_extract, values("NoExtract"), "{case}");
    }
}
