//! One module per subcommand (or family of them), each with its own `run`.

mod audit;
mod aur_install;
mod daemon;
mod doctor;
mod history;
mod info;
mod packages;
mod runtimes;
mod search;
mod status;
mod system;
mod systemd;

use crate::cli::{Command, YesArg};
use crate::printer::Printer;
use crate::settings::Settings;
use crate::ExitStatus;
use omg_core::{BackendKind, ChangeRequest};
use system::Confirm;

pub(crate) use search::AurResults;
pub(crate) use status::Vulnerabilities;

/// The clap flag becomes the plain setting the commands take.
impl From<YesArg> for Confirm {
    fn from(arg: YesArg) -> Self {
        if arg.yes {
            Self::Yes
        } else {
            Self::Ask
        }
    }
}

pub(crate) fn run(
    command: Command,
    settings: &Settings,
    printer: &mut Printer,
) -> anyhow::Result<ExitStatus> {
    match command {
        Command::Search {
            terms,
            limit,
            aur,
            repo,
        } => {
            let scope = match (aur, repo) {
                (true, _) => search::Scope::Aur,
                (_, true) => search::Scope::Repositories,
                _ => search::Scope::Both,
            };
            search::run(&terms, limit, scope, settings, printer)
        }
        Command::Info { packages } => info::run(&packages, settings, printer),
        Command::Explicit => packages::explicit(settings, printer),
        Command::List {
            installed: true, ..
        } => packages::installed(settings, printer),
        Command::List {
            runtime,
            available,
            installed: false,
        } => runtimes::list(runtime.as_deref(), available, settings, printer),
        Command::Install {
            specs,
            confirm,
            reinstall,
            downgrade,
            noreview,
            keep_makedeps,
            sandbox: _,
        } => system::install(
            &specs,
            confirm.into(),
            system::InstallFlags {
                reinstall,
                downgrade,
                aur: aur_install::AurFlags {
                    no_review: noreview,
                    keep_make_dependencies: keep_makedeps,
                    devel: false,
                },
            },
            settings,
            printer,
        ),
        Command::Remove {
            names,
            confirm,
            recursive,
            purge,
        } => system::change(
            &ChangeRequest::Remove {
                names,
                recursive,
                purge,
            },
            confirm.into(),
            settings,
            printer,
        ),
        Command::Sync { sandbox: _ } => {
            system::change(&ChangeRequest::Sync, Confirm::Yes, settings, printer)
        }
        Command::Update {
            confirm,
            check,
            noreview,
            devel,
            sandbox: _,
        } => {
            let confirm = if check {
                Confirm::Never
            } else {
                confirm.into()
            };
            let flags = aur_install::AurFlags {
                no_review: noreview,
                keep_make_dependencies: false,
                devel,
            };
            flags.check_backend(settings)?;
            let status = system::change(&ChangeRequest::Upgrade, confirm, settings, printer)?;
            if status != ExitStatus::Success || settings.backend()?.kind != BackendKind::Arch {
                return Ok(status);
            }
            aur_install::update(confirm, flags, settings, printer)
        }
        Command::Clean {
            confirm,
            keep,
            orphans,
        } => system::change(
            &ChangeRequest::Clean { keep, orphans },
            confirm.into(),
            settings,
            printer,
        ),
        Command::Use {
            runtime,
            version,
            local,
        } => runtimes::use_version(&runtime, &version, local, settings, printer),
        Command::Current => runtimes::current(settings, printer),
        Command::Which { binary } => runtimes::which(&binary, settings, printer),
        Command::Uninstall { spec } => runtimes::uninstall(&spec, settings),
        Command::Shim { name, arguments } => runtimes::shim(&name, &arguments, settings),
        Command::Exec { spec, command } => runtimes::exec(&spec, &command, settings),
        Command::Hook { .. }
        | Command::HookEnv { .. }
        | Command::Completions { .. }
        | Command::Manpages { .. } => {
            unreachable!("hooks and generated files run before settings are resolved")
        }
        Command::Status => status::run(settings, printer),
        Command::Audit {
            action: Some(crate::cli::AuditAction::Sbom { vulns }),
            ..
        } => audit::sbom(vulns, settings, printer),
        Command::Audit {
            action: None,
            severity,
            upgradable,
            refresh,
            all,
            runtimes,
        } => audit::run(
            audit::AuditFlags {
                threshold: severity.unwrap_or(omg_audit::Severity::Unknown),
                upgradable,
                refresh,
                all,
                runtimes,
            },
            settings,
            printer,
        ),
        Command::Daemon { action } => daemon::run(action, settings, printer),
        Command::Doctor => doctor::run(settings, printer),
        Command::History { limit } => history::run(limit, settings, printer),
    }
}
