//! `omg install` (system packages), `remove`, `sync`, `update` and `clean`: changes
//! to the system's packages and their cache.
//!
//! The `omg` binary does not link libalpm, so every change runs in a one-shot
//! `omgd --transact` (under sudo when the database is not ours to write): this
//! sends the request, shows the plan it answers with, asks, and tells it to commit
//! or drop the transaction, printing progress as it streams in. Runtime installs
//! (`node@22`) stay in [`super::runtimes`].

use crate::printer::{ask, message, prompt, Printer};
use crate::progress::ChangeProgress;
use crate::settings::Settings;
use crate::{render, source, ExitStatus};
use anyhow::{anyhow, bail, Context, Result};
use omg_core::config::Elevate;
use omg_core::{
    BackendKind, ChangeEvent, ChangeOutcome, ChangeRequest, InstallReason, PackageAction, Plan,
    Question,
};
use omg_ipc::{IpcError, Reply, ReplyEnvelope, Request, RequestEnvelope, PROTOCOL_VERSION};
use std::io::{IsTerminal, Write};
use std::process::{Command, Stdio};

/// Whether to ask before committing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Confirm {
    /// Ask on the terminal; refuse when there is none.
    Ask,
    /// `-y`: proceed without asking.
    Yes,
    /// `--check`: show the plan, change nothing.
    Never,
}

/// How `omg install` treats packages already installed.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct InstallFlags {
    /// Install again at the same version.
    pub(crate) reinstall: bool,
    /// Install the repositories' version over a newer installed one.
    pub(crate) downgrade: bool,
    /// How AUR packages among them are built.
    pub(crate) aur: super::aur_install::AurFlags,
}

/// A word of `omg install` that names a runtime version (`node@22`, `deno@2`):
/// a runtime name, `@`, a version. Everything else is a system package.
fn is_runtime_spec(word: &str) -> bool {
    word.split_once('@').is_some_and(|(runtime, version)| {
        !runtime.is_empty() && !version.is_empty() && omg_runtimes::Runtime::parse(runtime).is_ok()
    })
}

/// `node22`, `python3.12`: a runtime name run into a version, which is likelier a
/// mistyped `node@22` than a package when no package has that name.
fn looks_like_runtime(word: &str) -> bool {
    let split = word
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(word.len());
    let (name, version) = word.split_at(split);
    !version.is_empty()
        && omg_runtimes::Runtime::parse(name)
            .is_ok_and(|runtime| !matches!(runtime, omg_runtimes::Runtime::Other(_)))
}

/// `omg install`: system packages through the package manager, runtime versions
/// through omg's own installer, in that order.
pub(crate) fn install(
    words: &[String],
    confirm: Confirm,
    flags: InstallFlags,
    settings: &Settings,
    printer: &mut Printer,
) -> Result<ExitStatus> {
    flags.aur.check_backend(settings)?;
    let (runtimes, packages): (Vec<String>, Vec<String>) = words
        .iter()
        .cloned()
        .partition(|word| is_runtime_spec(word));
    if !packages.is_empty() {
        let status = install_packages(packages, confirm, flags, settings, printer)?;
        if status != ExitStatus::Success || runtimes.is_empty() {
            return Ok(status);
        }
    }
    super::runtimes::install(&runtimes, settings, printer)
}

/// The system half of `omg install`. Every word goes to the package manager
/// first; only when it answers that no repository has some of them (on Arch) are
/// they looked up in the AUR, whose build graph then takes all the words. Asking
/// first would cost every repository install a second process (`omgd --answer`
/// loading libalpm) when no omgd runs.
fn install_packages(
    packages: Vec<String>,
    confirm: Confirm,
    flags: InstallFlags,
    settings: &Settings,
    printer: &mut Printer,
) -> Result<ExitStatus> {
    let typo = packages
        .iter()
        .find(|word| looks_like_runtime(word))
        .cloned();
    let with_typo = |error: anyhow::Error| match typo.as_ref() {
        Some(word) => anyhow!(
            "{error:#}; if `{word}` meant a runtime, write <runtime>@<version>, like node@22"
        ),
        None => error,
    };
    let request = ChangeRequest::Install {
        names: packages.clone(),
        reinstall: flags.reinstall,
        downgrade: flags.downgrade,
    };
    let error = match change(&request, confirm, settings, printer) {
        Ok(status) => return Ok(status),
        Err(error) => error,
    };
    let no_repository_has_some = matches!(
        error.downcast_ref::<IpcError>(),
        Some(IpcError::NotFound { .. })
    );
    if !no_repository_has_some || settings.backend()?.kind != BackendKind::Arch {
        return Err(with_typo(error));
    }
    let (repository, candidates) = super::aur_install::split_targets(&packages, settings)?;
    if candidates.is_empty() {
        return Err(with_typo(error));
    }
    match super::aur_install::install(
        repository, candidates, confirm, flags.aur, settings, printer,
    )? {
        Some(status) => Ok(status),
        None => Err(with_typo(error)),
    }
}

/// `omg remove`, `sync`, `update`, `clean`, and the system half of `omg install`.
pub(crate) fn change(
    request: &ChangeRequest,
    confirm: Confirm,
    settings: &Settings,
    printer: &mut Printer,
) -> Result<ExitStatus> {
    let elevate = elevation(settings)?;
    let mut session = Session {
        confirm,
        settings,
        plan: None,
        refused: false,
        progress: ChangeProgress::new(settings.quiet),
        agreed: None,
        answers: Vec::new(),
        previewing: false,
    };
    // A user who must be elevated sees the plan (and answers its questions) before
    // the password prompt: an unprivileged preview first, then the elevated run,
    // which plans again under the lock and goes ahead unasked only if that plan is
    // the one the user agreed to. `--check` commits nothing and keeps one run.
    if elevate.is_some() && confirm != Confirm::Never && *request != ChangeRequest::Sync {
        let mut preview = transact_command(settings, None)?;
        preview.arg("--preview");
        session.previewing = true;
        session.run(preview, request, printer)?;
        session.previewing = false;
        let Some(plan) = session.plan.clone() else {
            bail!("omgd --transact --preview ended without a plan");
        };
        if plan.is_empty() {
            return session.finish(&ChangeOutcome::NothingToDo, printer);
        }
        if !session.decide()? {
            return session.finish(&ChangeOutcome::Declined, printer);
        }
        session.agreed = Some(plan);
    }
    let outcome = session.run(transact_command(settings, elevate)?, request, printer)?;
    if matches!(outcome, ChangeOutcome::Done | ChangeOutcome::Synced { .. }) {
        source::refresh_daemon(settings);
    }
    session.finish(&outcome, printer)
}

/// The program that elevates `omgd --transact` for this system, or `None` when
/// this user may change it: root, or (Arch) the owner of the database directory.
fn elevation(settings: &Settings) -> Result<Option<Elevate>> {
    let backend = settings.backend()?;
    let uid = omg_ipc::current_uid();
    if uid == 0 {
        return Ok(None);
    }
    if backend.kind == BackendKind::Arch {
        let dbpath = backend
            .arch_dbpath
            .clone()
            .or_else(|| {
                backend
                    .arch_root
                    .as_ref()
                    .map(|root| root.join("var/lib/pacman"))
            })
            .unwrap_or_else(|| "/var/lib/pacman".into());
        use std::os::unix::fs::MetadataExt;
        if std::fs::metadata(&dbpath).is_ok_and(|meta| meta.uid() == uid) {
            return Ok(None);
        }
    }
    Ok(Some(settings.elevate()?))
}

fn send(stdin: &mut impl Write, body: Request) -> Result<()> {
    let frame = omg_ipc::encode(&RequestEnvelope {
        protocol: PROTOCOL_VERSION,
        id: 1,
        body,
    })?;
    stdin.write_all(&frame)?;
    stdin.flush()?;
    Ok(())
}

struct Session<'a> {
    confirm: Confirm,
    settings: &'a Settings,
    plan: Option<Plan>,
    /// No terminal to ask on and no `-y`.
    refused: bool,
    progress: ChangeProgress,
    /// The plan the user agreed to in a preview: the elevated run proceeds
    /// without asking again when it plans the same.
    agreed: Option<Plan>,
    /// The preview's questions and their answers, given again to the elevated run.
    answers: Vec<(String, bool)>,
    /// Running the unprivileged preview, which shows a plan and takes no answer.
    previewing: bool,
}

impl Session<'_> {
    /// Runs one `omgd --transact` through to its last reply.
    fn run(
        &mut self,
        mut command: Command,
        request: &ChangeRequest,
        printer: &mut Printer,
    ) -> Result<ChangeOutcome> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("cannot run omgd --transact")?;
        let (Some(mut stdin), Some(mut stdout)) = (child.stdin.take(), child.stdout.take()) else {
            bail!("cannot talk to omgd --transact");
        };
        let sent = send(&mut stdin, Request::Change(request.clone()));
        let outcome = sent.and_then(|()| self.follow(&mut stdin, &mut stdout, printer));
        drop(stdin);
        self.progress.finish();
        let status = child.wait()?;
        match outcome {
            Ok(outcome) => Ok(outcome),
            // omgd --transact already said why on stderr (a bad config, say).
            Err(_) if !status.success() => bail!("omgd --transact failed ({status})"),
            Err(error) => Err(error),
        }
    }

    /// Reads replies until the last one, answering the plan on the way.
    fn follow(
        &mut self,
        stdin: &mut impl Write,
        stdout: &mut impl std::io::Read,
        printer: &mut Printer,
    ) -> Result<ChangeOutcome> {
        let mut buffer = Vec::new();
        loop {
            omg_ipc::read_frame(stdout, &mut buffer)?;
            let envelope: ReplyEnvelope = omg_ipc::decode(&buffer)?;
            match envelope.body {
                Ok(Reply::Plan(plan)) => {
                    let agreed = self.agreed.as_ref() == Some(&plan);
                    if !agreed && !self.settings.json {
                        if self.agreed.is_some() {
                            message("the plan changed since it was shown:");
                        }
                        render_plan(printer, &plan)?;
                        printer.flush()?;
                    }
                    let empty = plan.is_empty();
                    self.plan = Some(plan);
                    if !empty && !self.previewing {
                        let proceed = agreed || self.decide()?;
                        send(stdin, Request::Proceed { proceed })?;
                    }
                }
                Ok(Reply::Question(question)) => {
                    let recorded = self
                        .answers
                        .iter()
                        .find(|(text, _)| *text == question.text)
                        .map(|(_, yes)| *yes);
                    let yes = match recorded {
                        Some(yes) => yes,
                        None => self.answer(&question)?,
                    };
                    self.answers.push((question.text.clone(), yes));
                    send(stdin, Request::Answer { yes })?;
                }
                Ok(Reply::ChangeEvent(event)) => self.progress(&event),
                Ok(Reply::Changed(outcome)) => return Ok(outcome),
                Ok(other) => bail!("omgd --transact gave an answer of the wrong kind: {other:?}"),
                Err(IpcError::Failed(error)) => return Err(anyhow!(error)),
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// A planning question: asked on the terminal when the user is being asked at
    /// all; with `-y`, `--check` or no terminal, its default, which never removes
    /// a package the user did not name.
    fn answer(&self, question: &Question) -> Result<bool> {
        if self.confirm != Confirm::Ask || !std::io::stdin().is_terminal() {
            return Ok(question.default);
        }
        let choices = if question.default { "[Y/n]" } else { "[y/N]" };
        Ok(ask(
            &format!(":: {} {choices} ", question.text),
            question.default,
        )?)
    }

    fn decide(&mut self) -> Result<bool> {
        match self.confirm {
            Confirm::Yes => Ok(true),
            Confirm::Never => Ok(false),
            Confirm::Ask if std::io::stdin().is_terminal() => {
                Ok(prompt("Proceed with the change? [Y/n] ")?)
            }
            Confirm::Ask => {
                self.refused = true;
                Ok(false)
            }
        }
    }

    fn progress(&mut self, event: &ChangeEvent) {
        if !self.settings.json {
            self.progress.show(event);
        }
    }

    fn finish(&self, outcome: &ChangeOutcome, printer: &mut Printer) -> Result<ExitStatus> {
        if self.refused {
            bail!("no terminal to ask for confirmation: nothing changed (pass -y to proceed)");
        }
        if self.settings.json {
            printer.json(&serde_json::json!({
                "plan": self.plan,
                "outcome": outcome_name(outcome),
                "updated": match outcome {
                    ChangeOutcome::Synced { updated } => updated.clone(),
                    _ => Vec::new(),
                },
            }))?;
            return Ok(match outcome {
                ChangeOutcome::Declined if self.confirm != Confirm::Never => ExitStatus::Failure,
                _ => ExitStatus::Success,
            });
        }
        match outcome {
            ChangeOutcome::Done => message("done"),
            ChangeOutcome::NothingToDo => message("nothing to do"),
            ChangeOutcome::Checked => {}
            ChangeOutcome::Declined if self.confirm == Confirm::Never => {}
            ChangeOutcome::Declined => {
                message("nothing changed");
                return Ok(ExitStatus::Failure);
            }
            ChangeOutcome::Synced { updated } if updated.is_empty() => {
                message("the package databases are up to date");
            }
            ChangeOutcome::Synced { updated } => {
                message(&format!("refreshed {}", updated.join(", ")));
            }
        }
        Ok(ExitStatus::Success)
    }
}

fn outcome_name(outcome: &ChangeOutcome) -> &'static str {
    match outcome {
        ChangeOutcome::Done => "done",
        ChangeOutcome::NothingToDo => "nothing_to_do",
        ChangeOutcome::Declined => "declined",
        ChangeOutcome::Checked => "checked",
        ChangeOutcome::Synced { .. } => "synced",
    }
}

/// The plan as a table: what happens to each package, old → new, and the totals.
fn render_plan(printer: &mut Printer, plan: &Plan) -> std::io::Result<()> {
    let s = printer.styles;
    let name_width = plan
        .packages
        .iter()
        .map(|p| p.name.len())
        .max()
        .unwrap_or(0);
    let out = printer.out();
    if !plan.already_installed.is_empty() {
        writeln!(
            out,
            "already installed: {}",
            plan.already_installed.join(", ")
        )?;
    }
    for note in &plan.notes {
        writeln!(out, "note: {note}")?;
    }
    if !plan.cache_files.is_empty() {
        writeln!(
            out,
            "Cache files to delete ({}, {}):",
            plan.cache_files.len(),
            render::human_size(plan.cache_size())
        )?;
        for file in &plan.cache_files {
            writeln!(out, "  {}", file.path.display())?;
        }
    }
    if plan.packages.is_empty() {
        return Ok(());
    }
    writeln!(out, "Packages ({}):", plan.packages.len())?;
    for package in &plan.packages {
        let versions = match (&package.old_version, &package.new_version) {
            (Some(old), Some(new)) if old != new => format!("{old} -> {new}"),
            (_, Some(new)) => new.clone(),
            (Some(old), None) => old.clone(),
            (None, None) => String::new(),
        };
        write!(out, "  {:<10} ", package.action.as_str())?;
        out.paint(s.bold, format_args!("{:<name_width$}", package.name))?;
        write!(out, "  {versions}")?;
        if package.reason == InstallReason::Dependency && package.action != PackageAction::Remove {
            write!(out, "  (dependency)")?;
        }
        writeln!(out)?;
    }
    let change = plan.size_change();
    let sign = if change < 0 { "-" } else { "+" };
    if plan.download_size() > 0 {
        write!(
            out,
            "Download size: {}   ",
            render::human_size(plan.download_size())
        )?;
    }
    writeln!(
        out,
        "Installed size: {sign}{}",
        render::human_size(change.unsigned_abs())
    )
}

/// `omgd --transact` for the selected system, through `elevate` when given: that
/// is the command sudo rules name. Without elevation omg runs the binary it hands
/// over to (`omgd-transact`) itself, when that sits beside omgd.
fn transact_command(settings: &Settings, elevate: Option<Elevate>) -> Result<Command> {
    let backend = settings.backend()?;
    let program = match elevate {
        Some(_) => source::omgd_binary(),
        None => transact_program(),
    };
    let mut command = elevated(elevate, &program);
    command
        .arg("--transact")
        .args(backend.to_args())
        .args(settings.sandbox.to_args());
    Ok(command)
}

/// The binary `omgd --transact` hands over to, run directly when it sits beside
/// omgd: going through omgd starts one more process, which loads the package
/// library only to exec the next (omgd-transact takes `--transact` for this).
fn transact_program() -> std::path::PathBuf {
    let omgd = source::omgd_binary();
    let transact = omgd.with_file_name("omgd-transact");
    if omgd.is_absolute() && transact.is_file() {
        transact
    } else {
        omgd
    }
}

/// `program`, or `<elevate> -- program` (sudo, doas and run0 all end their own
/// options at `--`, so nothing after it is taken for theirs).
fn elevated(elevate: Option<Elevate>, program: &std::path::Path) -> Command {
    match elevate {
        None => Command::new(program),
        Some(elevate) => {
            let mut command = Command::new(elevate.program());
            command.arg("--").arg(program);
            command
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elevation_prefixes_the_chosen_program() {
        let line = |elevate| {
            let command = elevated(elevate, std::path::Path::new("/usr/bin/omgd"));
            std::iter::once(command.get_program())
                .chain(command.get_args())
                .map(|word| word.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(line(None), "/usr/bin/omgd");
        assert_eq!(line(Some(Elevate::Sudo)), "sudo -- /usr/bin/omgd");
        assert_eq!(line(Some(Elevate::Doas)), "doas -- /usr/bin/omgd");
        assert_eq!(line(Some(Elevate::Run0)), "run0 -- /usr/bin/omgd");
    }

    #[test]
    fn runtime_specs_are_runtime_at_version_only() {
        assert!(is_runtime_spec("node@22"));
        assert!(is_runtime_spec("deno@2"));
        assert!(!is_runtime_spec("ripgrep"));
        assert!(!is_runtime_spec("node@"));
        assert!(!is_runtime_spec("@22"));
        assert!(!is_runtime_spec("omgtest/omg-hello"));
    }

    #[test]
    fn runtime_names_run_into_versions_are_noticed() {
        assert!(looks_like_runtime("node22"));
        assert!(looks_like_runtime("python3.12"));
        assert!(!looks_like_runtime("node"));
        assert!(!looks_like_runtime("ripgrep"));
        assert!(!looks_like_runtime("lib32z1"));
    }
}
