//! One module per subcommand, each with its own `run`.

mod explicit;
mod info;
mod list;
mod search;
mod status;

use crate::cli::Command;
use crate::printer::Printer;
use crate::settings::Settings;
use crate::ExitStatus;

pub(crate) fn run(
    command: Command,
    settings: &Settings,
    printer: &mut Printer,
) -> anyhow::Result<ExitStatus> {
    match command {
        Command::Search { terms, limit } => search::run(&terms, limit, settings, printer),
        Command::Info { package } => info::run(&package, settings, printer),
        Command::Explicit => explicit::run(settings, printer),
        Command::List { installed: _ } => list::run(settings, printer),
        Command::Status => status::run(settings, printer),
    }
}
