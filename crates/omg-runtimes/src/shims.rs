//! Shims for non-interactive use (IDEs, cron, scripts without a shell hook): one
//! tiny script per binary any installed version provides, in
//! `$XDG_DATA_HOME/omg/shims`, each handing over to `omg shim <name>`, which runs
//! the version the current directory selects.

use crate::{active, Layout, Result};
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The binary `name` that `dir` selects: the first active runtime version whose
/// `bin/` has it.
pub fn resolve_binary(layout: &Layout, dir: &Path, name: &str) -> Result<Option<PathBuf>> {
    for (runtime, state) in active(layout, dir)? {
        let Some(version) = state.version else {
            continue;
        };
        let candidate = layout
            .version_dir(&runtime, &version)
            .join("bin")
            .join(name);
        if candidate.is_file() {
            return Ok(Some(candidate));
        }
    }
    Ok(None)
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
            let bin = layout.version_dir(&runtime, &version).join("bin");
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
