//! Runtime versions: `omg install`, `omg use`, `omg list [runtime]`, `omg current`
//! and `omg which`. Node and Go are managed natively; other runtimes say plainly
//! that this omg cannot manage them yet.

use crate::printer::{message, Printer};
use crate::progress::DownloadBars;
use crate::settings::Settings;
use crate::ExitStatus;
use anyhow::{bail, Context, Result};
use omg_runtimes::{version_files, Layout, Runtime, RuntimeManager, Selection};
use std::io::Write;

fn manager(settings: &Settings, runtime: &Runtime) -> Result<Box<dyn RuntimeManager>> {
    Ok(omg_runtimes::manager(runtime, &settings.runtimes.mirrors)?)
}

fn layout(settings: &Settings) -> Layout {
    Layout::new(&settings.runtimes.data_dir).with_unpack_limits(settings.runtimes.unpack_limits)
}

/// Resolves against the mirror and installs when missing; returns the version.
fn ensure(settings: &Settings, runtime: &Runtime, request: &str) -> Result<String> {
    ensure_with(
        settings,
        runtime,
        request,
        &DownloadBars::new(settings.quiet),
    )
}

/// [`ensure`], drawing its download among `bars`.
fn ensure_with(
    settings: &Settings,
    runtime: &Runtime,
    request: &str,
    bars: &DownloadBars,
) -> Result<String> {
    let manager = manager(settings, runtime)?;
    let version = manager.resolve(request)?;
    let layout = layout(settings);
    if layout.version_dir(runtime, &version)?.is_dir() {
        return Ok(version);
    }
    bars.println(&format!("installing {runtime} {version}"));
    let mut bar = bars.add(&format!("{runtime} {version}"), settings.verbose);
    let installed = manager.install(&layout, &version, &settings.runtimes.downloads, &mut bar)?;
    bar.finish();
    // The checksum held, but nothing vouched for the list it came from: say so.
    if let Some(reason) = omg_runtimes::signature::recorded(&installed)
        .as_deref()
        .and_then(|note| note.strip_prefix("unsigned: "))
    {
        message(&format!(
            "warning: {runtime} {version}: checksums not signed ({})",
            omg_runtimes::name::printable(reason)
        ));
    }
    Ok(version)
}

fn parse_spec(spec: &str) -> Result<(Runtime, &str)> {
    let (runtime, version) = spec
        .split_once('@')
        .with_context(|| format!("`{spec}`: write <runtime>@<version>, like node@22"))?;
    if runtime.is_empty() || version.is_empty() {
        bail!("`{spec}`: write <runtime>@<version>, like node@22");
    }
    Ok((Runtime::parse(runtime)?, version))
}

/// Installs every spec at once, one thread each (downloads overlap, each with its
/// bar in one multi-bar). All specs are checked before anything is fetched.
pub(crate) fn install(
    specs: &[String],
    settings: &Settings,
    printer: &mut Printer,
) -> Result<ExitStatus> {
    let parsed = specs
        .iter()
        .map(|spec| parse_spec(spec))
        .collect::<Result<Vec<_>>>()?;
    let bars = DownloadBars::new(settings.quiet);
    let outcomes: Vec<Result<String>> = std::thread::scope(|scope| {
        let bars = &bars;
        let workers: Vec<_> = parsed
            .iter()
            .map(|(runtime, request)| {
                scope.spawn(move || ensure_with(settings, runtime, request, bars))
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("an install thread panicked")))
            })
            .collect()
    });
    refresh_shims(settings)?;
    let mut failures = Vec::new();
    let mut installed = Vec::new();
    for ((runtime, _), outcome) in parsed.iter().zip(outcomes) {
        match outcome {
            Ok(version) => {
                message(&format!("{runtime} {version} is installed"));
                installed.push(serde_json::json!({"runtime": runtime.name(), "version": version}));
            }
            Err(error) => failures.push(error),
        }
    }
    if settings.json {
        printer.json(&serde_json::json!({ "installed": installed }))?;
    }
    match failures.len() {
        0 => Ok(ExitStatus::Success),
        1 => Err(failures.remove(0)),
        count => {
            for error in &failures {
                message(&format!("error: {error:#}"));
            }
            bail!("{count} of {} installs failed", parsed.len())
        }
    }
}

/// `omg use --json`: what is now selected and where.
#[derive(serde::Serialize)]
struct UseJson<'a> {
    runtime: &'a str,
    version: &'a str,
    /// `global` (the default) or `local` (a version file here).
    scope: &'static str,
    /// The version file written, for `local`.
    file: Option<&'a std::path::Path>,
}

pub(crate) fn use_version(
    runtime: &str,
    request: &str,
    local: bool,
    settings: &Settings,
    printer: &mut Printer,
) -> Result<ExitStatus> {
    let runtime = Runtime::parse(runtime)?;
    let version = ensure(settings, &runtime, request)?;
    let file = if local {
        let cwd = std::env::current_dir()?;
        let file = version_files::write_local(&cwd, &runtime, &version)?;
        message(&format!("{runtime} {version} pinned in {}", file.display()));
        Some(file)
    } else {
        let layout = layout(settings);
        layout
            .set_current(&runtime, &version)
            .with_context(|| format!("cannot switch {runtime} to {version}"))?;
        message(&format!("{runtime} {version} is now the default"));
        None
    };
    refresh_shims(settings)?;
    if settings.json {
        printer.json(&UseJson {
            runtime: runtime.name(),
            version: &version,
            scope: if local { "local" } else { "global" },
            file: file.as_deref(),
        })?;
    }
    Ok(ExitStatus::Success)
}

/// What this directory selects; version files that could not be used are
/// reported, one line each, and choose nothing.
fn active(settings: &Settings) -> Result<Selection> {
    let selection = omg_runtimes::active(&layout(settings), &std::env::current_dir()?);
    for skipped in &selection.skipped {
        message(&format!("warning: {skipped}"));
    }
    Ok(selection)
}

/// One runtime in `omg current --json`: `{"runtime", "version", "request",
/// "file"}`, `version` null when nothing installed answers the request, `request`
/// and `file` null for the global default.
#[derive(serde::Serialize)]
struct CurrentEntry<'a> {
    runtime: &'a str,
    version: Option<&'a str>,
    request: Option<&'a str>,
    file: Option<&'a std::path::Path>,
}

pub(crate) fn current(settings: &Settings, printer: &mut Printer) -> Result<ExitStatus> {
    let active = active(settings)?.runtimes;
    let status = if active.is_empty() {
        message("no runtime versions are selected here");
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    };
    if settings.json {
        let runtimes: Vec<CurrentEntry<'_>> = active
            .iter()
            .map(|(runtime, state)| CurrentEntry {
                runtime: runtime.name(),
                version: state.version.as_deref(),
                request: state
                    .requested
                    .as_ref()
                    .map(|(request, _)| request.as_str()),
                file: state.requested.as_ref().map(|(_, file)| file.as_path()),
            })
            .collect();
        printer.json(&serde_json::json!({ "runtimes": runtimes }))?;
        return Ok(status);
    }
    let out = printer.out();
    for (runtime, state) in &active {
        let source = match &state.requested {
            Some((request, file)) => format!("{request} from {}", file.display()),
            None => "global default".to_owned(),
        };
        match &state.version {
            Some(version) => writeln!(out, "{runtime} {version} ({source})")?,
            None => writeln!(
                out,
                "{runtime} not installed ({source}; run `omg install {runtime}@{}`)",
                state
                    .requested
                    .as_ref()
                    .map_or("latest", |(request, _)| request)
            )?,
        }
    }
    Ok(status)
}

pub(crate) fn which(
    binary: &str,
    settings: &Settings,
    printer: &mut Printer,
) -> Result<ExitStatus> {
    let found = omg_runtimes::shims::resolve_binary(&layout(settings), &active(settings)?, binary);
    if found.is_none() {
        message(&format!("no runtime selected here provides `{binary}`"));
    }
    // `{"binary", "path"}`, `path` null when nothing selected here provides it.
    if settings.json {
        printer.json(&serde_json::json!({ "binary": binary, "path": found }))?;
    } else if let Some(path) = &found {
        writeln!(printer.out(), "{}", path.display())?;
    }
    Ok(if found.is_some() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

/// Keeps the shims directory in step with what is installed.
fn refresh_shims(settings: &Settings) -> Result<()> {
    let omg = std::env::current_exe()?;
    omg_runtimes::shims::regenerate(&layout(settings), &settings.runtimes.shims, &omg)?;
    Ok(())
}

/// `omg shim NAME ARGS…`, what every shim runs: the selected version's binary, or
/// the next one on PATH after the shims (the system's), replacing this process.
pub(crate) fn shim(
    name: &str,
    arguments: &[std::ffi::OsString],
    settings: &Settings,
) -> Result<ExitStatus> {
    use std::os::unix::process::CommandExt;
    let shims = &settings.runtimes.shims;
    let path = std::env::var_os("PATH").unwrap_or_default();
    let rest: Vec<std::path::PathBuf> = std::env::split_paths(&path)
        .filter(|entry| entry != shims)
        .collect();
    let (program, mut entries) =
        match omg_runtimes::shims::resolve_binary(&layout(settings), &active(settings)?, name) {
            Some(program) => {
                let bin = program
                    .parent()
                    .map(std::path::Path::to_path_buf)
                    .unwrap_or_default();
                (program, vec![bin])
            }
            None => match rest
                .iter()
                .map(|dir| dir.join(name))
                .find(|candidate| candidate.is_file())
            {
                Some(program) => (program, Vec::new()),
                None => bail!("no runtime selected here provides `{name}`, and PATH has none"),
            },
        };
    entries.extend(rest);
    let error = std::process::Command::new(&program)
        .args(arguments)
        .env("PATH", std::env::join_paths(entries)?)
        .exec();
    Err(error).with_context(|| format!("cannot run {}", program.display()))
}

/// One installed version as `omg list` shows it (`--json` too).
#[derive(serde::Serialize)]
struct ListedVersion {
    runtime: String,
    version: String,
    default: bool,
    used_here: bool,
}

pub(crate) fn list(
    runtime: Option<&str>,
    available: bool,
    settings: &Settings,
    printer: &mut Printer,
) -> Result<ExitStatus> {
    let layout = layout(settings);
    let active = active(settings)?;
    let runtimes: Vec<Runtime> = match runtime {
        Some(name) => vec![Runtime::parse(name)?],
        None => layout.runtimes(),
    };
    if available {
        let offers = manager(settings, &runtimes[0])?.available()?;
        if settings.json {
            let offers: Vec<serde_json::Value> = offers
                .iter()
                .map(|offer| serde_json::json!({"version": offer.version, "label": offer.label}))
                .collect();
            printer.json(&offers)?;
            return Ok(ExitStatus::Success);
        }
        let out = printer.out();
        for offer in offers {
            let label = offer
                .label
                .map(|label| format!(" ({label})"))
                .unwrap_or_default();
            writeln!(out, "{}{label}", offer.version)?;
        }
        return Ok(ExitStatus::Success);
    }
    let mut entries = Vec::new();
    for runtime in &runtimes {
        let global = layout.current(runtime);
        let here = active
            .runtimes
            .get(runtime)
            .and_then(|state| state.version.clone());
        for version in layout.installed(runtime)? {
            entries.push(ListedVersion {
                runtime: runtime.name().to_owned(),
                default: global.as_deref() == Some(version.as_str()),
                used_here: here.as_deref() == Some(version.as_str()),
                version,
            });
        }
    }
    if settings.json {
        printer.json(&entries)?;
        return Ok(ExitStatus::Success);
    }
    let out = printer.out();
    for entry in &entries {
        let marks: Vec<&str> = [(entry.default, "default"), (entry.used_here, "used here")]
            .into_iter()
            .filter_map(|(on, mark)| on.then_some(mark))
            .collect();
        let marks = if marks.is_empty() {
            String::new()
        } else {
            format!(" ({})", marks.join(", "))
        };
        writeln!(out, "{} {}{marks}", entry.runtime, entry.version)?;
    }
    Ok(ExitStatus::Success)
}

pub(crate) fn uninstall(spec: &str, settings: &Settings) -> Result<ExitStatus> {
    let (runtime, version) = parse_spec(spec)?;
    let layout = layout(settings);
    let dir = layout.version_dir(&runtime, version)?;
    if !dir.is_dir() {
        let installed = layout.installed(&runtime)?;
        bail!(
            "{runtime} {version} is not installed (installed: {})",
            if installed.is_empty() {
                "none".to_owned()
            } else {
                installed.join(", ")
            }
        );
    }
    if layout.current(&runtime).as_deref() == Some(version) {
        bail!("{runtime} {version} is the default; `omg use {runtime} <other version>` first");
    }
    // Renamed aside first, so a failure half-way never leaves a half-removed version
    // that still looks installed.
    let doomed = layout.stage(&runtime, version)?;
    let aside = doomed.path().join("removed");
    std::fs::rename(&dir, &aside).with_context(|| format!("cannot remove {}", dir.display()))?;
    drop(doomed);
    message(&format!("{runtime} {version} uninstalled"));
    refresh_shims(settings)?;
    Ok(ExitStatus::Success)
}

pub(crate) fn exec(
    spec: &str,
    command: &[std::ffi::OsString],
    settings: &Settings,
) -> Result<ExitStatus> {
    let (runtime, request) = parse_spec(spec)?;
    let layout = layout(settings);
    let version = match layout.find_installed(&runtime, request) {
        Some(version) => version,
        None => ensure(settings, &runtime, request)?,
    };
    let bin = layout.version_dir(&runtime, &version)?.join("bin");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut entries = vec![bin];
    entries.extend(std::env::split_paths(&path));
    let (program, arguments) = command
        .split_first()
        .context("give the command to run after `--`")?;
    let status = std::process::Command::new(program)
        .args(arguments)
        .env("PATH", std::env::join_paths(entries)?)
        .status()
        .with_context(|| format!("cannot run {}", program.to_string_lossy()))?;
    // The child's own exit code is the answer (a signal counts as failure).
    Ok(match status.code() {
        Some(0) => ExitStatus::Success,
        Some(code) => ExitStatus::Code(u8::try_from(code).unwrap_or(1)),
        None => ExitStatus::Error,
    })
}
