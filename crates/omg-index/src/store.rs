//! Package records packed for a long-lived index: every string in one buffer,
//! addressed by 32-bit spans, repositories interned. A 64k-package Debian index
//! takes a third of the memory a `Vec<PackageRecord>` does, which is most of the
//! daemon's footprint.

use omg_core::PackageRecord;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    len: u32,
}

const ABSENT: Span = Span {
    start: u32::MAX,
    len: 0,
};

#[derive(Debug, Clone, Copy)]
struct Entry {
    name: Span,
    version: Span,
    description: Span,
    installed_version: Span,
    provides_start: u32,
    provides_len: u32,
    repository: u32,
}

/// Records in index order; long descriptions are not kept (they are only searched,
/// and the search text has them).
#[derive(Debug, Default)]
pub(crate) struct Records {
    strings: String,
    entries: Vec<Entry>,
    provides: Vec<Span>,
    repositories: Vec<Box<str>>,
    repository_ids: HashMap<Box<str>, u32>,
}

impl Records {
    pub(crate) fn with_capacity(records: usize, string_bytes: usize) -> Self {
        Self {
            strings: String::with_capacity(string_bytes),
            entries: Vec::with_capacity(records),
            ..Self::default()
        }
    }

    fn span(&mut self, text: &str) -> Span {
        let start = self.strings.len();
        self.strings.push_str(text);
        // The index refuses more than 4 GiB of package text rather than wrap.
        Span {
            start: u32::try_from(start).expect("package text over 4 GiB"),
            len: u32::try_from(text.len()).expect("package text over 4 GiB"),
        }
    }

    pub(crate) fn push(&mut self, record: &PackageRecord) {
        let name = self.span(&record.name);
        let version = self.span(&record.version);
        let description = self.span(&record.description);
        let installed_version = match &record.installed_version {
            Some(installed) => self.span(installed),
            None => ABSENT,
        };
        let provides_start = u32::try_from(self.provides.len()).expect("too many provides");
        for provided in &record.provides {
            let span = self.span(provided);
            self.provides.push(span);
        }
        let repository = match self.repository_ids.get(record.repository.as_str()) {
            Some(&id) => id,
            None => {
                let id = u32::try_from(self.repositories.len()).expect("too many repositories");
                let boxed: Box<str> = record.repository.as_str().into();
                self.repositories.push(boxed.clone());
                self.repository_ids.insert(boxed, id);
                id
            }
        };
        self.entries.push(Entry {
            name,
            version,
            description,
            installed_version,
            provides_start,
            provides_len: u32::try_from(record.provides.len()).expect("too many provides"),
            repository,
        });
    }

    /// Drops build-time slack.
    pub(crate) fn finish(&mut self) {
        self.strings.shrink_to_fit();
        self.entries.shrink_to_fit();
        self.provides.shrink_to_fit();
        self.repository_ids = HashMap::new();
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    fn text(&self, span: Span) -> &str {
        let start = span.start as usize;
        &self.strings[start..start + span.len as usize]
    }

    pub(crate) fn name(&self, position: usize) -> &str {
        self.text(self.entries[position].name)
    }

    pub(crate) fn provides(&self, position: usize) -> impl Iterator<Item = &str> {
        let entry = self.entries[position];
        let start = entry.provides_start as usize;
        self.provides[start..start + entry.provides_len as usize]
            .iter()
            .map(|&span| self.text(span))
    }

    /// The record at `position`, as callers know it.
    pub(crate) fn get(&self, position: usize) -> PackageRecord {
        let entry = self.entries[position];
        PackageRecord {
            name: self.text(entry.name).to_owned(),
            version: self.text(entry.version).to_owned(),
            description: self.text(entry.description).to_owned(),
            long_description: None,
            repository: self.repositories[entry.repository as usize].to_string(),
            installed_version: (entry.installed_version.start != u32::MAX)
                .then(|| self.text(entry.installed_version).to_owned()),
            provides: self.provides(position).map(str::to_owned).collect(),
        }
    }

    /// Position of the record named `name` (records are sorted by name).
    pub(crate) fn find(&self, name: &str) -> Option<usize> {
        self.entries
            .binary_search_by(|entry| self.text(entry.name).cmp(name))
            .ok()
    }
}
