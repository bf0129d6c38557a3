//! Recording each committed transaction in the system's history
//! ([`omg_core::history`]), from `omgd --transact`: the process that knows how the
//! commit ended and has the rights to write under the root.

use omg_core::history::{self, HistoryEntry};
use omg_core::{ChangeRequest, Plan};

/// Appends the entry for `request`, planned as `plan`, that ended as `result`.
/// A history that cannot be written never changes the transaction's own answer:
/// the reason comes back as a warning line to pass on.
pub(crate) fn record<E: std::fmt::Display>(
    setup: &crate::args::Setup,
    request: &ChangeRequest,
    plan: &Plan,
    result: &Result<(), E>,
) -> Option<String> {
    let root = match omg_packages::system_root(&setup.selection) {
        Ok(root) => root,
        Err(error) => return Some(format!("cannot record the transaction: {error}")),
    };
    let time = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|elapsed| i64::try_from(elapsed.as_secs()).ok())
        .unwrap_or(0);
    let entry = HistoryEntry::new(
        time,
        asking_user(),
        setup.selection.kind,
        request,
        plan,
        result.as_ref().err().map(ToString::to_string),
    );
    history::append(&root, &entry).err().map(|error| {
        // The cause (permission denied, no space) is part of the one line.
        match std::error::Error::source(&error) {
            Some(cause) => format!("{error}: {cause}"),
            None => error.to_string(),
        }
    })
}

/// Who asked: sudo's `SUDO_USER` when this runs as root through sudo, else this
/// uid's name, else the uid itself.
fn asking_user() -> String {
    // SAFETY: getuid cannot fail and touches no memory of ours.
    #[expect(unsafe_code, reason = "std has no getuid")]
    let uid = unsafe { libc::getuid() };
    if uid == 0 {
        if let Some(user) = std::env::var("SUDO_USER")
            .ok()
            .filter(|user| !user.is_empty())
        {
            return user;
        }
    }
    user_name(uid).unwrap_or_else(|| uid.to_string())
}

#[expect(unsafe_code, reason = "std has no getpwuid_r")]
fn user_name(uid: libc::uid_t) -> Option<String> {
    let mut buffer = vec![0_u8; 4096];
    // SAFETY: `passwd` is plain data that getpwuid_r fills; all-zero is valid.
    let mut passwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call, the buffer's length is passed,
    // and the strings it fills in point into `buffer`, read before it is dropped.
    let status = unsafe {
        libc::getpwuid_r(
            uid,
            &raw mut passwd,
            buffer.as_mut_ptr().cast(),
            buffer.len(),
            &raw mut found,
        )
    };
    if status != 0 || found.is_null() || passwd.pw_name.is_null() {
        return None;
    }
    // SAFETY: getpwuid_r succeeded, so pw_name is a NUL-terminated string in `buffer`.
    let name = unsafe { std::ffi::CStr::from_ptr(passwd.pw_name) };
    Some(name.to_string_lossy().into_owned())
}
