use super::*;
use std::path::PathBuf;
use std::process::Command;

/// An entry written with raw header bytes, so the path can be anything a hostile
/// archive holds (tar::Builder itself refuses `..`).
fn raw_entry(kind: tar::EntryType, path: &str, link: Option<&str>, data: &[u8]) -> Vec<u8> {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_mode(0o4755);
    header.set_size(data.len() as u64);
    header.as_gnu_mut().unwrap().name[..path.len()].copy_from_slice(path.as_bytes());
    if let Some(link) = link {
        header.as_gnu_mut().unwrap().linkname[..link.len()].copy_from_slice(link.as_bytes());
    }
    header.set_cksum();
    let mut bytes = header.as_bytes().to_vec();
    bytes.extend_from_slice(data);
    bytes.resize(bytes.len().div_ceil(512) * 512, 0);
    bytes
}

fn tar_of(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut bytes: Vec<u8> = entries.concat();
    bytes.extend_from_slice(&[0; 1024]);
    bytes
}

fn extract(entries: &[Vec<u8>], strip: usize) -> (tempfile::TempDir, Result<(), ArchiveError>) {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out");
    std::fs::create_dir(&target).unwrap();
    let bytes = tar_of(entries);
    let result = extract_tar(
        Path::new("test.tar"),
        bytes.as_slice(),
        &target,
        strip,
        Limits::default(),
    );
    (dir, result)
}

fn refused(entries: &[Vec<u8>]) -> String {
    let (dir, result) = extract(entries, 0);
    let error = result.expect_err("the archive must be refused").to_string();
    // Nothing escaped next to the target.
    let beside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(beside, ["out"], "{error}");
    error
}

#[test]
fn unpacks_what_gnu_tar_packs_and_strips_the_top_directory() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("node-v1.2.3-linux-x64");
    std::fs::create_dir_all(tree.join("bin")).unwrap();
    std::fs::create_dir_all(tree.join("lib/node_modules/npm/bin")).unwrap();
    std::fs::write(tree.join("bin/node"), "#!/bin/sh\necho v1.2.3\n").unwrap();
    std::fs::write(tree.join("lib/node_modules/npm/bin/npm-cli.js"), "cli").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        tree.join("bin/node"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        "../lib/node_modules/npm/bin/npm-cli.js",
        tree.join("bin/npm"),
    )
    .unwrap();
    std::fs::hard_link(tree.join("bin/node"), tree.join("bin/nodejs")).unwrap();
    let archive = dir.path().join("node.tar.gz");
    let status = Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .arg("-C")
        .arg(dir.path())
        .arg("node-v1.2.3-linux-x64")
        .status()
        .unwrap();
    assert!(status.success());
    let target = dir.path().join("installed");
    std::fs::create_dir(&target).unwrap();
    extract_tar_gz(&archive, &target, 1, Limits::default()).unwrap();
    let node = target.join("bin/node");
    assert_eq!(
        std::fs::read_to_string(&node).unwrap(),
        "#!/bin/sh\necho v1.2.3\n"
    );
    assert_eq!(
        std::fs::metadata(&node).unwrap().permissions().mode() & 0o777,
        0o755
    );
    assert_eq!(
        std::fs::read_link(target.join("bin/npm")).unwrap(),
        Path::new("../lib/node_modules/npm/bin/npm-cli.js")
    );
    assert_eq!(
        std::fs::read_to_string(target.join("bin/npm")).unwrap(),
        "cli"
    );
    assert_eq!(
        std::fs::read_to_string(target.join("bin/nodejs")).unwrap(),
        "#!/bin/sh\necho v1.2.3\n"
    );
    let output = Command::new(&node).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "v1.2.3\n");
}

#[test]
fn setuid_bits_are_dropped() {
    let (dir, result) = extract(&[raw_entry(tar::EntryType::Regular, "tool", None, b"x")], 0);
    result.unwrap();
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.path().join("out/tool"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o7777, 0o755);
}

#[test]
fn parent_directory_entries_are_refused() {
    let error = refused(&[raw_entry(
        tar::EntryType::Regular,
        "a/../../evil",
        None,
        b"x",
    )]);
    assert_eq!(
        error,
        "test.tar: refused entry `a/../../evil`: a `..` path component"
    );
}

#[test]
fn absolute_paths_are_refused() {
    let error = refused(&[raw_entry(tar::EntryType::Regular, "/tmp/evil", None, b"x")]);
    assert_eq!(
        error,
        "test.tar: refused entry `/tmp/evil`: an absolute path"
    );
}

#[test]
fn symlinks_escaping_the_target_are_refused() {
    let error = refused(&[raw_entry(
        tar::EntryType::Symlink,
        "bin/up",
        Some("../../etc"),
        b"",
    )]);
    assert!(
        error.ends_with("a symlink that resolves outside the archive"),
        "{error}"
    );
    let error = refused(&[raw_entry(
        tar::EntryType::Symlink,
        "abs",
        Some("/etc/passwd"),
        b"",
    )]);
    assert!(error.ends_with("a symlink to an absolute path"), "{error}");
}

#[test]
fn writing_through_a_symlink_is_refused() {
    // The link itself stays inside, but a later entry would write through it.
    let error = refused(&[
        raw_entry(tar::EntryType::Directory, "real", None, b""),
        raw_entry(tar::EntryType::Symlink, "link", Some("real"), b""),
        raw_entry(tar::EntryType::Regular, "link/file", None, b"x"),
    ]);
    assert_eq!(
        error,
        "test.tar: refused entry `link/file`: a path through a symlink"
    );
}

#[test]
fn hard_links_out_of_the_tree_are_refused() {
    let error = refused(&[raw_entry(
        tar::EntryType::Link,
        "passwd",
        Some("../../etc/passwd"),
        b"",
    )]);
    assert!(error.ends_with("a `..` path component"), "{error}");
}

#[test]
fn devices_and_fifos_are_refused() {
    for kind in [
        tar::EntryType::Char,
        tar::EntryType::Block,
        tar::EntryType::Fifo,
    ] {
        let error = refused(&[raw_entry(kind, "dev", None, b"")]);
        assert!(
            error.ends_with("device files and fifos are never installed"),
            "{error}"
        );
    }
}

#[test]
fn truncated_archive_is_an_error() {
    let mut bytes = tar_of(&[raw_entry(tar::EntryType::Regular, "big", None, &[7; 4096])]);
    bytes.truncate(1024);
    let dir = tempfile::tempdir().unwrap();
    let error = extract_tar(
        Path::new("cut.tar"),
        bytes.as_slice(),
        dir.path(),
        0,
        Limits::default(),
    )
    .expect_err("a truncated archive must fail")
    .to_string();
    assert!(error.starts_with("cut.tar: "), "{error}");
}

/// A zip made by Python's zipfile: `entries` are (name, unix mode, content).
fn zip_of(dir: &Path, entries: &[(&str, u32, &str)]) -> PathBuf {
    let archive = dir.join("test.zip");
    let spec: Vec<String> = entries
        .iter()
        .map(|(name, mode, content)| format!("({name:?}, {mode}, {content:?})"))
        .collect();
    let script = format!(
        "import zipfile\nwith zipfile.ZipFile({:?}, 'w', zipfile.ZIP_DEFLATED) as z:\n    for name, mode, content in [{}]:\n        info = zipfile.ZipInfo(name)\n        info.external_attr = mode << 16\n        z.writestr(info, content)\n",
        archive.display().to_string(),
        spec.join(", ")
    );
    let status = Command::new("python3")
        .args(["-c", &script])
        .status()
        .unwrap();
    assert!(status.success());
    archive
}

#[test]
fn zips_unpack_with_modes_and_links_and_strip() {
    let dir = tempfile::tempdir().unwrap();
    let archive = zip_of(
        dir.path(),
        &[
            ("bun-linux-x64/", 0o40755, ""),
            ("bun-linux-x64/bun", 0o100755, "#!/bin/sh\necho 1.4.5\n"),
            ("bun-linux-x64/bunx", 0o120777, "bun"),
        ],
    );
    let target = dir.path().join("out");
    std::fs::create_dir(&target).unwrap();
    extract_zip(&archive, &target, 1, Limits::default()).unwrap();
    use std::os::unix::fs::PermissionsExt;
    let bun = target.join("bun");
    assert_eq!(
        std::fs::metadata(&bun).unwrap().permissions().mode() & 0o777,
        0o755
    );
    assert_eq!(
        std::fs::read_link(target.join("bunx")).unwrap(),
        Path::new("bun")
    );
    let output = Command::new(target.join("bunx")).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "1.4.5\n");
}

#[test]
fn hostile_zips_are_refused() {
    for (entries, reason) in [
        (vec![("../evil", 0o100644, "x")], "a `..` path component"),
        (vec![("/tmp/evil", 0o100644, "x")], "an absolute path"),
        (
            vec![("up", 0o120777, "../../etc")],
            "a symlink that resolves outside the archive",
        ),
        (
            vec![
                ("d/", 0o40755, ""),
                ("link", 0o120777, "d"),
                ("link/x", 0o100644, "x"),
            ],
            "a path through a symlink",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let archive = zip_of(dir.path(), &entries);
        let target = dir.path().join("out");
        std::fs::create_dir(&target).unwrap();
        let error = extract_zip(&archive, &target, 0, Limits::default())
            .unwrap_err()
            .to_string();
        assert!(error.ends_with(reason), "{error}");
    }
}

/// Extracts next to a file that must survive: whatever the archive does, the
/// victim keeps its bytes and nothing new appears beside the target.
fn refused_beside_victim(entries: &[Vec<u8>]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out");
    std::fs::create_dir(&target).unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let bytes = tar_of(entries);
    let error = extract_tar(
        Path::new("test.tar"),
        bytes.as_slice(),
        &target,
        0,
        Limits::default(),
    )
    .expect_err("the archive must be refused")
    .to_string();
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "precious",
        "{error}"
    );
    let mut beside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    beside.sort();
    assert_eq!(beside, ["out", "victim.txt"], "{error}");
    error
}

fn symlink(path: &str, target: &str) -> Vec<u8> {
    raw_entry(tar::EntryType::Symlink, path, Some(target), b"")
}

fn file(path: &str, data: &[u8]) -> Vec<u8> {
    raw_entry(tar::EntryType::Regular, path, None, data)
}

#[test]
fn issue_8_a_link_chain_textually_inside_cannot_carry_a_write_outside() {
    // Issue 8: `a/b -> ..` makes `a/b/a/b/..` climb above the root although the
    // text never does; the regular entry `x` was then written through the link.
    let error = refused_beside_victim(&[
        raw_entry(tar::EntryType::Directory, "a", None, b""),
        symlink("a/b", ".."),
        symlink("x", "a/b/a/b/../victim.txt"),
        file("x", b"owned"),
    ]);
    assert!(
        error.ends_with("refused entry `x`: a file over a symlink of the same name"),
        "{error}"
    );
}

#[test]
fn a_link_chain_that_escapes_is_refused_even_without_a_write_through_it() {
    let error = refused_beside_victim(&[
        raw_entry(tar::EntryType::Directory, "a", None, b""),
        symlink("a/b", ".."),
        symlink("x", "a/b/a/b/../victim.txt"),
    ]);
    assert!(
        error.ends_with("refused entry `x`: a symlink that resolves outside the archive"),
        "{error}"
    );
}

#[test]
fn a_link_made_harmful_by_a_later_link_is_refused() {
    // `x -> p/..` is the root while `p` is absent; once `p -> .`, it is the parent.
    let error = refused_beside_victim(&[symlink("x", "p/.."), symlink("p", ".")]);
    assert!(
        error.ends_with("a symlink that resolves outside the archive"),
        "{error}"
    );
    // A loop never resolves; it is refused, not followed forever.
    let error = refused_beside_victim(&[symlink("l1", "l2"), symlink("l2", "l1/x")]);
    assert!(
        error.ends_with("a symlink that resolves outside the archive"),
        "{error}"
    );
}

#[test]
fn a_link_in_an_intermediate_directory_never_carries_a_write() {
    for link in ["..", ".", "sub", "../out"] {
        let error = refused_beside_victim(&[
            raw_entry(tar::EntryType::Directory, "sub", None, b""),
            symlink("d", link),
            file("d/victim.txt", b"owned"),
        ]);
        assert!(
            error.ends_with("refused entry `d/victim.txt`: a path through a symlink"),
            "{link}: {error}"
        );
    }
}

#[test]
fn a_file_never_replaces_a_link_of_the_same_name() {
    let error = refused_beside_victim(&[
        raw_entry(tar::EntryType::Directory, "sub", None, b""),
        symlink("tool", "sub/tool"),
        file("tool", b"x"),
    ]);
    assert!(
        error.ends_with("a file over a symlink of the same name"),
        "{error}"
    );
}

#[test]
fn hard_links_to_links_and_to_missing_entries_are_refused() {
    let error = refused_beside_victim(&[
        file("real", b"x"),
        symlink("soft", "real"),
        raw_entry(tar::EntryType::Link, "hard", Some("soft"), b""),
    ]);
    assert!(error.ends_with("a hard link to a symlink"), "{error}");
    let error = refused_beside_victim(&[
        symlink("d", ".."),
        raw_entry(tar::EntryType::Link, "hard", Some("d/victim.txt"), b""),
    ]);
    assert!(error.ends_with("a path through a symlink"), "{error}");
    let error = refused_beside_victim(&[raw_entry(
        tar::EntryType::Link,
        "hard",
        Some("nothing"),
        b"",
    )]);
    assert!(
        error.ends_with("a hard link to an entry not unpacked"),
        "{error}"
    );
}

#[test]
fn a_repeated_regular_entry_replaces_the_file_as_tar_does() {
    let (dir, result) = extract(&[file("tool", b"old"), file("tool", b"new")], 0);
    result.unwrap();
    assert_eq!(std::fs::read(dir.path().join("out/tool")).unwrap(), b"new");
}

#[test]
fn a_decompression_bomb_fails_cleanly_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out");
    std::fs::create_dir(&target).unwrap();
    let tar = tar_of(&[file("a", &[0; 300_000]), file("b", &[0; 300_000])]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut gz, &tar).unwrap();
    let gz = gz.finish().unwrap();
    assert!(gz.len() < 5_000, "the bomb should be small: {}", gz.len());
    let limits = Limits {
        max_bytes: 500_000,
        max_entries: 100,
    };
    let error = extract_tar(
        Path::new("bomb.tar.gz"),
        flate2::read::GzDecoder::new(gz.as_slice()),
        &target,
        0,
        limits,
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("unpacks to more than 500000 bytes"),
        "{error}"
    );
    let written: u64 = std::fs::read_dir(&target)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert!(written <= 500_001, "wrote {written} bytes past the limit");
    let many: Vec<Vec<u8>> = (0..20).map(|i| file(&format!("f{i}"), b"")).collect();
    let error = extract_tar(
        Path::new("many.tar"),
        tar_of(&many).as_slice(),
        &dir.path().join("out"),
        0,
        Limits {
            max_bytes: 1 << 20,
            max_entries: 10,
        },
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("more than 10 entries"), "{error}");
}

/// (A zip cannot name the same entry twice as a tar can: its directory is keyed
/// by name, so a link-then-file of one name arrives as one entry.)
#[test]
fn zips_with_the_same_tricks_are_refused_and_write_nothing_outside() {
    for (entries, reason) in [
        (
            vec![
                ("a/", 0o40755, ""),
                ("a/b", 0o120777, ".."),
                ("x", 0o120777, "a/b/a/b/../victim.txt"),
            ],
            "a symlink that resolves outside the archive",
        ),
        (
            vec![("x", 0o120777, "p/.."), ("p", 0o120777, ".")],
            "a symlink that resolves outside the archive",
        ),
        (
            vec![("d", 0o120777, ".."), ("d/victim.txt", 0o100644, "owned")],
            "a path through a symlink",
        ),
        (
            vec![("fifo", 0o010644, "")],
            "device files and fifos are never installed",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let archive = zip_of(dir.path(), &entries);
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "precious").unwrap();
        let target = dir.path().join("out");
        std::fs::create_dir(&target).unwrap();
        let error = extract_zip(&archive, &target, 0, Limits::default())
            .expect_err(reason)
            .to_string();
        assert!(error.ends_with(reason), "{error}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    }
}

#[test]
fn a_zip_bomb_fails_cleanly_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("bomb.zip");
    let script = format!(
        "import zipfile\nwith zipfile.ZipFile({:?}, 'w', zipfile.ZIP_DEFLATED) as z:\n    for name in 'ab':\n        z.writestr(name, bytes(400000))\n",
        archive.display().to_string()
    );
    let status = Command::new("python3")
        .args(["-c", &script])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(std::fs::metadata(&archive).unwrap().len() < 10_000);
    let target = dir.path().join("out");
    std::fs::create_dir(&target).unwrap();
    let limits = Limits {
        max_bytes: 500_000,
        max_entries: 100,
    };
    let error = extract_zip(&archive, &target, 0, limits)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("unpacks to more than 500000 bytes"),
        "{error}"
    );
}
