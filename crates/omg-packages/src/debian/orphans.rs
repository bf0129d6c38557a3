//! Installed packages nothing needs any more, found the way `apt autoremove` finds
//! them: mark everything reachable from the manually installed and essential
//! packages through Pre-Depends, Depends, Recommends and Suggests (apt keeps
//! recommended and suggested packages by default), resolving virtual names through
//! Provides; the automatically installed packages left unmarked are orphans.
//!
//! Every alternative of an `a | b` group keeps its package, where apt keeps only
//! the one it picked: the count can be lower than apt's, never higher.

use super::control::{relation_names, Stanza};
use std::collections::{HashMap, HashSet};

const KEEPING_FIELDS: [&str; 4] = ["Pre-Depends", "Depends", "Recommends", "Suggests"];

pub(super) fn unreachable_auto_packages(
    installed: &super::FastMap<&[u8], Stanza<'_>>,
    auto: &HashSet<String>,
) -> Vec<String> {
    let mut providers: HashMap<String, Vec<&[u8]>> = HashMap::new();
    for (name, stanza) in installed {
        if let Some(provides) = stanza.field("Provides") {
            for provided in relation_names(provides) {
                providers.entry(provided).or_default().push(name);
            }
        }
    }
    let is_root = |name: &[u8], stanza: &Stanza<'_>| {
        !auto.contains(String::from_utf8_lossy(name).as_ref())
            || stanza.field("Essential") == Some(b"yes")
            || stanza.field("Protected") == Some(b"yes")
    };
    let mut marked: HashSet<&[u8]> = HashSet::new();
    let mut pending: Vec<&[u8]> = installed
        .iter()
        .filter(|(name, stanza)| is_root(name, stanza))
        .map(|(name, _)| *name)
        .collect();
    while let Some(name) = pending.pop() {
        if !marked.insert(name) {
            continue;
        }
        let stanza = &installed[name];
        for field in KEEPING_FIELDS {
            let Some(value) = stanza.field(field) else {
                continue;
            };
            for dependency in relation_names(value) {
                if let Some((installed_name, _)) = installed.get_key_value(dependency.as_bytes()) {
                    pending.push(installed_name);
                }
                if let Some(names) = providers.get(&dependency) {
                    pending.extend(names.iter().copied());
                }
            }
        }
    }
    let mut orphans: Vec<String> = installed
        .keys()
        .filter(|name| !marked.contains(*name))
        .map(|name| String::from_utf8_lossy(name).into_owned())
        .collect();
    orphans.sort();
    orphans
}
