use super::*;
use omg_core::PackageRecord;

fn record(name: &str, description: &str) -> PackageRecord {
    PackageRecord {
        name: name.to_owned(),
        version: "1.0-1".to_owned(),
        description: description.to_owned(),
        long_description: None,
        repository: "main".to_owned(),
        installed_version: None,
        provides: vec![format!("{name}-provided")],
    }
}

fn index() -> Index {
    let mut nano = record("nano", "small editor");
    nano.long_description = Some("GNU nano is an easy-to-use text editor".to_owned());
    Index::new(vec![
        record("vim", "Vi IMproved"),
        record("emacs", "the extensible editor"),
        nano,
    ])
}

fn search_names(index: &Index, term: &str) -> std::io::Result<Vec<String>> {
    let terms = vec![term.to_owned()];
    Ok(index
        .search(&omg_index::SearchQuery {
            terms: &terms,
            limit: None,
            fuzzy_below: 0,
        })?
        .hits
        .into_iter()
        .map(|hit| hit.package.name)
        .collect())
}

fn details_of(index: &Index) -> Vec<Vec<u8>> {
    (0..index.len())
        .map(|position| format!("details of package {position}\n").into_bytes())
        .collect()
}

struct Cache {
    dir: tempfile::TempDir,
}

impl Cache {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("omg").join("index-test.bin")
    }

    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path().join("omg"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn write(&self, key: u64) {
        let index = index();
        write(&self.path(), key, &index, &details_of(&index)).unwrap();
    }

    fn edit(&self, change: impl FnOnce(&mut Vec<u8>)) {
        let mut bytes = std::fs::read(self.path()).unwrap();
        change(&mut bytes);
        std::fs::write(self.path(), bytes).unwrap();
    }

    fn read(&self, key: u64) -> Result<Found, Miss> {
        read(&self.path(), key)
    }
}

fn answers(index: &Index) -> Vec<String> {
    ["vim", "emacs", "nano", "editor"]
        .iter()
        .map(|name| format!("{:?}", index.get(name)))
        .collect()
}

#[test]
fn a_written_snapshot_reads_back_whole() {
    let cache = Cache::new();
    cache.write(7);
    let found = cache.read(7).unwrap();
    assert_eq!(answers(&found.index), answers(&index()));
    // The long descriptions are searched from the file.
    assert!(found.index.long_text().is_none());
    assert_eq!(search_names(&found.index, "easy-to-use").unwrap(), ["nano"]);
    let details = found.details.unwrap();
    for position in 0..found.index.len() {
        assert_eq!(
            details.get(position).unwrap(),
            format!("details of package {position}\n").into_bytes()
        );
    }
    assert!(details.get(found.index.len()).is_none());
    // Private to the user, in a private directory.
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&cache.path()), 0o600);
    assert_eq!(mode(cache.path().parent().unwrap()), 0o700);
}

#[test]
fn a_snapshot_of_other_databases_is_stale() {
    let cache = Cache::new();
    cache.write(7);
    assert!(matches!(cache.read(8), Err(Miss::Stale)));
    assert!(matches!(Cache::new().read(7), Err(Miss::Absent)));
}

#[test]
fn every_truncation_is_refused() {
    let cache = Cache::new();
    cache.write(7);
    let whole = std::fs::read(cache.path()).unwrap();
    for length in (0..whole.len()).rev() {
        std::fs::write(cache.path(), &whole[..length]).unwrap();
        assert!(
            matches!(cache.read(7), Err(Miss::Unusable(_))),
            "{length} of {} bytes used",
            whole.len()
        );
    }
}

#[test]
fn another_format_version_is_refused_even_with_a_valid_header_checksum() {
    let cache = Cache::new();
    cache.write(7);
    cache.edit(|bytes| {
        bytes[8..12].copy_from_slice(&(FORMAT + 1).to_le_bytes());
        let own = checksum(&bytes[..56]);
        bytes[56..64].copy_from_slice(&own.to_le_bytes());
    });
    let Err(Miss::Unusable(why)) = cache.read(7) else {
        panic!("another version's snapshot was used");
    };
    assert!(why.contains("another version"), "{why}");
}

#[test]
fn a_damaged_byte_anywhere_in_the_header_or_index_is_refused() {
    let cache = Cache::new();
    cache.write(7);
    let whole = std::fs::read(cache.path()).unwrap();
    let index_end = HEADER_BYTES as usize + index().as_bytes().len();
    for at in 0..index_end {
        let mut damaged = whole.clone();
        damaged[at] ^= 0x20;
        std::fs::write(cache.path(), &damaged).unwrap();
        assert!(cache.read(7).is_err(), "damage at byte {at} went unnoticed");
    }
}

#[test]
fn damaged_details_are_refused_one_package_at_a_time() {
    let cache = Cache::new();
    cache.write(7);
    let last = index().len() - 1;
    // The last package's details are the file's last bytes.
    cache.edit(|bytes| {
        let end = bytes.len() - 2;
        bytes[end] ^= 0x01;
    });
    let details = cache.read(7).unwrap().details.unwrap();
    assert!(details.get(last).is_none());
    assert!(details.get(0).is_some());
}

#[test]
fn a_planted_link_is_neither_read_nor_written_through() {
    let cache = Cache::new();
    cache.write(7);
    let real = cache.dir.path().join("real.bin");
    std::fs::rename(cache.path(), &real).unwrap();
    std::os::unix::fs::symlink(&real, cache.path()).unwrap();
    assert!(matches!(cache.read(7), Err(Miss::Unusable(_))));
    let before = std::fs::read(&real).unwrap();
    let index = Index::new(vec![record("other", "")]);
    write(&cache.path(), 9, &index, &[]).unwrap();
    // The link itself was replaced; its target is untouched.
    assert!(!std::fs::symlink_metadata(cache.path())
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read(&real).unwrap(), before);
    assert_eq!(cache.read(9).unwrap().index.len(), 1);
}

#[test]
fn writers_racing_leave_one_whole_snapshot_and_no_temporary_files() {
    let cache = Cache::new();
    let path = cache.path();
    let copies = tempfile::tempdir().unwrap();
    std::thread::scope(|scope| {
        for writer in 0..8u64 {
            let path = &path;
            let copy = copies.path().join(writer.to_string());
            scope.spawn(move || {
                for round in 0..10 {
                    let index = Index::new(
                        (0..=writer)
                            .map(|n| record(&format!("p{n}-{round}"), "x"))
                            .collect(),
                    );
                    write(path, writer, &index, &details_of(&index)).unwrap();
                    // A reader never sees a half-written file: whatever is there
                    // is some writer's whole snapshot. (Copied first: one read
                    // sees one file, while the path changes under a second look.)
                    std::fs::write(&copy, std::fs::read(path).unwrap()).unwrap();
                    let key = (0..8).find(|key| read(&copy, *key).is_ok());
                    assert!(key.is_some(), "no whole snapshot during the race");
                }
            });
        }
    });
    let key = (0..8).find(|key| read(&path, *key).is_ok()).unwrap();
    assert_eq!(read(&path, key).unwrap().index.len(), key as usize + 1);
    let names: Vec<String> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["index-test.bin"]);
}

#[test]
fn details_of_the_wrong_count_are_left_out() {
    let cache = Cache::new();
    let index = index();
    write(&cache.path(), 7, &index, &[b"one".to_vec()]).unwrap();
    assert!(cache.read(7).unwrap().details.is_none());
}

#[test]
fn a_changed_database_changes_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let lists = dir.path().join("lists");
    std::fs::create_dir(&lists).unwrap();
    std::fs::write(lists.join("a_Packages"), "Package: a\n").unwrap();
    let selection = BackendSelection {
        kind: omg_core::BackendKind::Debian,
        arch_config: None,
        arch_root: None,
        arch_dbpath: None,
        debian_lists_dir: None,
        debian_status_file: None,
        debian_extended_states: None,
        debian_etc_dir: None,
    };
    let key_now = || {
        key(
            &selection,
            "languages=en",
            &database_stamps(std::slice::from_ref(&lists)),
        )
    };
    let first = key_now();
    assert_eq!(key_now(), first);
    // Same size, same modification time, rewritten in place: the change time shows it.
    let modified = std::fs::metadata(lists.join("a_Packages"))
        .unwrap()
        .modified()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(lists.join("a_Packages"), "Package: b\n").unwrap();
    std::fs::File::options()
        .write(true)
        .open(lists.join("a_Packages"))
        .unwrap()
        .set_modified(modified)
        .unwrap();
    assert_ne!(key_now(), first);
    let second = key_now();
    std::fs::write(lists.join("b_Packages"), "").unwrap();
    assert_ne!(key_now(), second);
    let other = BackendSelection {
        debian_lists_dir: Some(lists.clone()),
        ..selection.clone()
    };
    let stamps = database_stamps(std::slice::from_ref(&lists));
    assert_ne!(key(&other, "languages=en", &stamps), key_now());
    // Another locale means other descriptions.
    assert_ne!(key(&selection, "languages=de,en", &stamps), key_now());
}

#[test]
fn a_cache_keeps_the_most_recent_snapshots_and_drops_abandoned_temporary_files() {
    let cache = Cache::new();
    let dir = cache.dir.path().join("omg");
    std::fs::create_dir_all(&dir).unwrap();
    let aged = |name: &str, seconds_ago: u64| {
        let path = dir.join(name);
        std::fs::write(&path, "old").unwrap();
        let when = std::time::SystemTime::now() - std::time::Duration::from_secs(seconds_ago);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(when)
            .unwrap();
    };
    for (number, age) in [(1, 500), (2, 400), (3, 300), (4, 200), (5, 100)] {
        aged(&format!("index-debian-{number}.bin"), age);
    }
    aged(".index-debian-9.bin.1.2.tmp", 7200);
    aged(".index-debian-8.bin.3.4.tmp", 10);
    std::fs::write(dir.join("unrelated.json"), "{}").unwrap();
    // A link under a snapshot's name was not written here: neither it nor its
    // target is touched, and it does not count as a snapshot.
    let target = cache.dir.path().join("target.bin");
    std::fs::write(&target, "mine").unwrap();
    std::os::unix::fs::symlink(&target, dir.join("index-link.bin")).unwrap();
    let link_age = std::time::SystemTime::now() - std::time::Duration::from_secs(1000);
    std::fs::File::options()
        .write(true)
        .open(&target)
        .unwrap()
        .set_modified(link_age)
        .unwrap();
    cache.write(7);
    assert_eq!(
        cache.names(),
        [
            ".index-debian-8.bin.3.4.tmp",
            "index-debian-3.bin",
            "index-debian-4.bin",
            "index-debian-5.bin",
            "index-link.bin",
            "index-test.bin",
            "unrelated.json",
        ]
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "mine");
    assert!(cache.read(7).is_ok());
}

/// A byte of the long descriptions changed on disk makes the snapshot unusable,
/// although the index before it is intact.
#[test]
fn damaged_long_descriptions_are_refused() {
    let cache = Cache::new();
    cache.write(7);
    let built = index();
    let at = usize::try_from(HEADER_BYTES).unwrap() + built.as_bytes().len() + 3;
    cache.edit(|bytes| bytes[at] ^= 0x20);
    match cache.read(7) {
        Err(Miss::Unusable(why)) => assert!(why.contains("long descriptions"), "{why}"),
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("damaged long descriptions were used"),
    }
}
