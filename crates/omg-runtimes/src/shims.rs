//! Shims for non-interactive use (IDEs, cron, scripts without a shell hook): one
//! tiny script per binary any installed version provides, in
//! `$XDG_DATA_HOME/omg/shims`, each handing over to `omg shim <name>`, which runs
//! the version the current directory selects.

use crate::{Layout, Result, Selection};
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The binary `name` that `selection` provides: the first active runtime version
/// whose `bin/` has it. `name` must be a plain file name.
#[must_use]
pub fn resolve_binary(layout: &Layout, selection: &Selection, name: &str) -> Option<PathBuf> {
    let mut components = Path::new(name).components();
    let plain = matches!(
        (components.next(), components.next()),
        (Some(std::path::Component::Normal(_)), None)
    );
    if !plain {
        return None;
    }
    selection.runtimes.iter().find_map(|(runtime, state)| {
        let candidate = layout
            .version_dir(runtime, state.version.as_deref()?)
            .ok()?
            .join("bin")
            .join(name);
        candidate.is_file().then_some(candidate)
    })
}

/// Rewrites the shims directory to match what is installed: a script for every
/// binary of every installed version, none for anything else.
pub fn regenerate(layout: &Layout, shims: &Path, omg: &Path) -> Result<()> {
    let io = |path: &Path| crate::Error::io(path.to_owned());
    let mut names = BTreeSet::new();
    for runtime in layout.runtimes() {
        for version in layout
            .installed(&runtime)
            .map_err(io(&layout.runtime_dir(&runtime)))?
        {
            let bin = layout.version_dir(&runtime, &version)?.join("bin");
            for entry in std::fs::read_dir(&bin).into_iter().flatten().flatten() {
                if let Ok(name) = entry.file_name().into_string() {
                    names.insert(name);
                }
            }
        }
    }
    std::fs::create_dir_all(shims).map_err(io(shims))?;
    for entry in std::fs::read_dir(shims).map_err(io(shims))?.flatten() {
        let stale = entry
            .file_name()
            .to_str()
            .is_none_or(|name| !names.contains(name));
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    let omg = omg.to_string_lossy().replace('\'', r"'\''");
    for name in &names {
        let quoted = name.replace('\'', r"'\''");
        let script = format!("#!/bin/sh\nexec '{omg}' shim '{quoted}' \"$@\"\n");
        let path = shims.join(name);
        let staged = shims.join(format!(".{name}.omg-tmp"));
        std::fs::write(&staged, script).map_err(io(&staged))?;
        std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(0o755))
            .map_err(io(&staged))?;
        std::fs::rename(&staged, &path).map_err(io(&path))?;
    }
    Ok(())
}
