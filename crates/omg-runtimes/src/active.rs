//! Which installed version of each runtime a directory uses: the nearest version
//! file's request, matched against what is installed, else the global default.

use crate::{version_files, Layout, Runtime};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One runtime as a directory sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Active {
    /// The request and the file that made it (`None`: the global default).
    pub requested: Option<(String, PathBuf)>,
    /// The installed version that answers it, if any.
    pub version: Option<String>,
}

/// What is installed of every runtime, and the global defaults.
#[must_use]
pub fn probe(layout: &Layout) -> Vec<omg_core::RuntimeProbe> {
    layout
        .runtimes()
        .into_iter()
        .filter_map(|runtime| {
            let installed = layout.installed(&runtime).ok()?;
            (!installed.is_empty()).then(|| omg_core::RuntimeProbe {
                default: layout.current(&runtime),
                runtime: runtime.name().to_owned(),
                installed,
            })
        })
        .collect()
}

/// What a directory selects, and the version files skipped on the way.
#[derive(Debug, Default)]
pub struct Selection {
    /// Every runtime selected, by version file or global default.
    pub runtimes: BTreeMap<Runtime, Active>,
    /// Version files that could not be used (report them; they chose nothing).
    pub skipped: Vec<version_files::VersionFileError>,
}

/// Every runtime `dir` selects, by version file or global default. Never fails:
/// an unusable version file is skipped and listed in [`Selection::skipped`].
#[must_use]
pub fn active(layout: &Layout, dir: &Path) -> Selection {
    let mut active = BTreeMap::new();
    let resolution = version_files::resolve(dir);
    for (runtime, requested) in resolution.requests {
        let version = layout.find_installed(&runtime, &requested.version);
        active.insert(
            runtime,
            Active {
                requested: Some((requested.version, requested.file)),
                version,
            },
        );
    }
    for runtime in layout.runtimes() {
        if let Some(version) = layout.current(&runtime) {
            active.entry(runtime).or_insert(Active {
                requested: None,
                version: Some(version),
            });
        }
    }
    Selection {
        runtimes: active,
        skipped: resolution.skipped,
    }
}
