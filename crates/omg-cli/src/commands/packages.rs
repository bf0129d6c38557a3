//! `omg explicit` (like `pacman -Qeq`, `apt-mark showmanual`) and
//! `omg list --installed` (like `pacman -Q`, `dpkg-query -W`).

use crate::printer::Printer;
use crate::settings::Settings;
use crate::{source, ExitStatus};
use anyhow::Result;
use omg_ipc::{Reply, Request};
use std::io::Write;

pub(crate) fn explicit(settings: &Settings, printer: &mut Printer) -> Result<ExitStatus> {
    let explicit = source::answer(settings, Request::Explicit, packages, |catalog| {
        catalog.explicit()
    })?;
    if settings.json {
        printer.json(&explicit)?;
    } else {
        let out = printer.out();
        for package in &explicit {
            writeln!(out, "{}", package.name)?;
        }
    }
    Ok(ExitStatus::Success)
}

pub(crate) fn installed(settings: &Settings, printer: &mut Printer) -> Result<ExitStatus> {
    let installed = source::answer(settings, Request::Installed, packages, |catalog| {
        catalog.installed()
    })?;
    if settings.json {
        printer.json(&installed)?;
    } else {
        let styles = printer.styles;
        let out = printer.out();
        for package in &installed {
            out.paint(styles.bold, &package.name)?;
            write!(out, " ")?;
            out.paint(styles.green, &package.version)?;
            writeln!(out)?;
        }
    }
    Ok(ExitStatus::Success)
}

fn packages(reply: Reply) -> Option<Vec<omg_core::InstalledPackage>> {
    match reply {
        Reply::Packages(packages) => Some(packages),
        _ => None,
    }
}
