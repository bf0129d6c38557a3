//! The redb store: what must outlive a restart (the status snapshot now; audit data
//! and runtime probes later). A store that is corrupt or from another format is
//! moved aside and started afresh: it only ever holds what can be recomputed.

use anyhow::{Context, Result};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{de::DeserializeOwned, Serialize};
use std::path::{Path, PathBuf};

/// Bumped when a stored value changes shape.
const FORMAT: u32 = 1;
const META: TableDefinition<&str, u32> = TableDefinition::new("meta");
const SNAPSHOTS: TableDefinition<&str, &[u8]> = TableDefinition::new("snapshots");

pub(crate) struct Store {
    db: Database,
    path: PathBuf,
}

impl Store {
    pub(crate) fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        match Self::open_checked(path) {
            Ok(store) => Ok(store),
            // Another omgd (on another socket) has it open: that is no corruption.
            Err(error)
                if error.chain().any(|cause| {
                    matches!(
                        cause.downcast_ref::<redb::DatabaseError>(),
                        Some(redb::DatabaseError::DatabaseAlreadyOpen)
                    )
                }) =>
            {
                Err(error.context("the store is in use by another omgd"))
            }
            Err(error) if path.exists() => {
                let aside = aside_path(path);
                crate::log::error(&format!(
                    "store {} is unusable ({error:#}); moved to {} and starting afresh",
                    path.display(),
                    aside.display()
                ));
                std::fs::rename(path, &aside)
                    .with_context(|| format!("cannot move {} aside", path.display()))?;
                Self::open_checked(path)
            }
            Err(error) => Err(error),
        }
    }

    fn open_checked(path: &Path) -> Result<Self> {
        let db = Database::create(path)
            .with_context(|| format!("cannot open store {}", path.display()))?;
        let txn = db.begin_write()?;
        {
            let mut meta = txn.open_table(META)?;
            let format = meta.get("format")?.map(|value| value.value());
            match format {
                Some(FORMAT) => {}
                None => {
                    meta.insert("format", FORMAT)?;
                }
                Some(other) => anyhow::bail!("store format {other}, this omgd writes {FORMAT}"),
            }
            txn.open_table(SNAPSHOTS)?;
        }
        txn.commit()?;
        Ok(Self {
            db,
            path: path.to_owned(),
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(SNAPSHOTS)?;
        let Some(bytes) = table.get(key)? else {
            return Ok(None);
        };
        // An undecodable value is as good as none: it is recomputed and overwritten.
        Ok(postcard::from_bytes(bytes.value()).ok())
    }

    pub(crate) fn put<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        let bytes = postcard::to_stdvec(value)?;
        let txn = self.db.begin_write()?;
        txn.open_table(SNAPSHOTS)?.insert(key, bytes.as_slice())?;
        txn.commit()?;
        Ok(())
    }
}

fn aside_path(path: &Path) -> PathBuf {
    let stamp = crate::log::unix_now();
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".corrupt-{stamp}"));
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        Store::open(&path)
            .unwrap()
            .put("k", &(1u32, "x".to_owned()))
            .unwrap();
        let value: Option<(u32, String)> = Store::open(&path).unwrap().get("k").unwrap();
        assert_eq!(value, Some((1, "x".to_owned())));
    }

    #[test]
    fn garbage_file_is_moved_aside_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        std::fs::write(&path, vec![0xa5; 8192]).unwrap();
        let store = Store::open(&path).unwrap();
        store.put("k", &7u32).unwrap();
        let aside: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.starts_with("store.redb.corrupt-"))
            .collect();
        assert_eq!(aside.len(), 1, "{aside:?}");
    }
}
