//! Changing the system, whatever the backend: a [`SystemChanger`] plans a
//! [`ChangeRequest`] into a [`PlannedChange`] that holds the package database's
//! lock until it is committed or dropped, so what the user agreed to is what
//! happens. Only the one-shot `omgd --transact` process uses these.

use crate::Result;
use omg_core::{BackendKind, BackendSelection, ChangeEvent, ChangeRequest, Plan, Question};

/// Receives what happens during a commit.
pub type EventSink = Box<dyn FnMut(ChangeEvent)>;

/// Puts a planning question to the user and returns the answer.
pub type Asker = Box<dyn FnMut(&Question) -> bool>;

/// The write side of a package backend.
pub trait SystemChanger {
    /// Refreshes the package databases; returns those whose contents changed.
    fn sync(&self) -> Result<Vec<String>>;

    /// Plans `request` (an `Upgrade` refreshes the databases first). `Sync` is
    /// [`Self::sync`].
    fn plan(&self, request: &ChangeRequest) -> Result<Box<dyn PlannedChange>>;

    /// [`Self::plan`], putting the questions the library asks while planning to
    /// `ask` instead of answering them with their defaults. A backend whose
    /// library asks nothing plans as [`Self::plan`] does.
    fn plan_asking(&self, request: &ChangeRequest, ask: Asker) -> Result<Box<dyn PlannedChange>> {
        drop(ask);
        self.plan(request)
    }

    /// What [`Self::plan_asking`] would plan, computed without the database lock or
    /// a refresh, so that a user who may not change the system can see it before
    /// being asked for a password. The plan that is committed is computed again,
    /// locked, and compared with this one.
    fn preview(&self, request: &ChangeRequest, ask: Asker) -> Result<Plan>;
}

/// A computed change, holding the database lock.
pub trait PlannedChange {
    /// What a commit would do.
    fn plan(&self) -> &Plan;

    /// Downloads, verifies and applies the plan, reporting to `sink` as it goes.
    fn commit(self: Box<Self>, sink: EventSink) -> Result<()>;
}

/// Switches that change how a change runs, not which system it changes: pacman's
/// `--disable-sandbox*` flags, which add to pacman.conf's settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChangeOptions {
    /// No Landlock rules on the downloading process (`--disable-sandbox-filesystem`).
    pub disable_sandbox_filesystem: bool,
    /// No seccomp filter on it (`--disable-sandbox-syscalls`).
    pub disable_sandbox_syscalls: bool,
}

impl ChangeOptions {
    /// pacman's three flags; `--disable-sandbox` is both of the others.
    #[must_use]
    pub fn from_flags(disable_sandbox: bool, filesystem: bool, syscalls: bool) -> Self {
        Self {
            disable_sandbox_filesystem: disable_sandbox || filesystem,
            disable_sandbox_syscalls: disable_sandbox || syscalls,
        }
    }

    /// The same switches as flags on the command line that [`Self::from_flags`] reads.
    pub fn to_args(self) -> impl Iterator<Item = &'static str> {
        [
            (
                self.disable_sandbox_filesystem,
                "--disable-sandbox-filesystem",
            ),
            (self.disable_sandbox_syscalls, "--disable-sandbox-syscalls"),
        ]
        .into_iter()
        .filter_map(|(on, flag)| on.then_some(flag))
    }
}

/// The write side of the Arch backend; fails for Debian, whose changes go through
/// libapt-pkg in the omg-apt crate (so that only omgd links it), and when the
/// feature is not built in.
pub fn open_changer(
    selection: &BackendSelection,
    options: ChangeOptions,
) -> Result<Box<dyn SystemChanger>> {
    match selection.kind {
        BackendKind::Arch => open_arch(selection, options),
        BackendKind::Debian => open_debian(selection),
    }
}

#[cfg(feature = "arch")]
fn open_arch(
    selection: &BackendSelection,
    change: ChangeOptions,
) -> Result<Box<dyn SystemChanger>> {
    let mut options = crate::arch::ArchOptions::of(selection);
    options.change = change;
    Ok(Box::new(crate::arch::ArchBackend::new(&options)?))
}

#[cfg(not(feature = "arch"))]
fn open_arch(_: &BackendSelection, _: ChangeOptions) -> Result<Box<dyn SystemChanger>> {
    Err(crate::Error::NotBuilt(BackendKind::Arch))
}

fn open_debian(_: &BackendSelection) -> Result<Box<dyn SystemChanger>> {
    Err(crate::Error::NotBuilt(BackendKind::Debian))
}

#[cfg(test)]
mod tests {
    use super::ChangeOptions;

    #[test]
    fn sandbox_flags_survive_the_command_line_and_disable_sandbox_is_both() {
        let both = ChangeOptions::from_flags(true, false, false);
        assert!(both.disable_sandbox_filesystem && both.disable_sandbox_syscalls);
        for (filesystem, syscalls) in [(false, false), (true, false), (false, true), (true, true)] {
            let options = ChangeOptions::from_flags(false, filesystem, syscalls);
            let args: Vec<&str> = options.to_args().collect();
            let read = ChangeOptions::from_flags(
                false,
                args.contains(&"--disable-sandbox-filesystem"),
                args.contains(&"--disable-sandbox-syscalls"),
            );
            assert_eq!(read, options);
            assert_eq!(args.len(), usize::from(filesystem) + usize::from(syscalls));
        }
    }
}
