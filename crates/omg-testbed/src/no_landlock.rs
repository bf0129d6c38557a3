//! A process that sees the kernel without Landlock, as in many containers: a
//! seccomp filter makes `landlock_create_ruleset` fail with `ENOSYS`, which is
//! what libalpm's download sandbox probes for Landlock with.
#![expect(
    unsafe_code,
    reason = "installs a seccomp filter between fork and exec"
)]

use std::os::unix::process::CommandExt;
use std::process::Command;

/// `landlock_create_ruleset`'s number on x86_64 and aarch64 alike.
const LANDLOCK_CREATE_RULESET: u32 = 444;

/// Makes `command` run as on a kernel without Landlock. Everything else it (and
/// what it starts) does is allowed.
pub fn without_landlock(command: &mut Command) -> &mut Command {
    // SAFETY: between fork and exec only async-signal-safe calls are made (two
    // prctl), on data prepared before the fork.
    unsafe { command.pre_exec(install_filter) }
}

fn install_filter() -> std::io::Result<()> {
    // Classic BPF over `struct seccomp_data`: load the syscall number, and answer
    // ENOSYS for Landlock's probe, allow anything else.
    let statement = |code: u16, k: u32| libc::sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    };
    let program = [
        statement((libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16, 0),
        libc::sock_filter {
            code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16,
            jt: 0,
            jf: 1,
            k: LANDLOCK_CREATE_RULESET,
        },
        statement(
            (libc::BPF_RET | libc::BPF_K) as u16,
            libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32,
        ),
        statement(
            (libc::BPF_RET | libc::BPF_K) as u16,
            libc::SECCOMP_RET_ALLOW,
        ),
    ];
    let filter = libc::sock_fprog {
        len: program.len() as u16,
        filter: program.as_ptr().cast_mut(),
    };
    // SAFETY: plain prctl calls; `filter` outlives the second, which copies it.
    unsafe {
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
            || libc::prctl(
                libc::PR_SET_SECCOMP,
                libc::SECCOMP_MODE_FILTER,
                std::ptr::from_ref(&filter),
            ) != 0
        {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}
