//! The daemon's memory: what it holds (RSS) and giving back what an index build
//! used only briefly.

/// Resident memory in bytes, from /proc/self/status.
pub(crate) fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Returns freed heap pages to the kernel. Parsing the package lists allocates
/// several times the index's size; glibc keeps that memory mapped unless asked.
#[allow(unsafe_code)]
pub(crate) fn release_freed() {
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim only walks glibc's own arenas; no pointer of ours is involved.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Tunes glibc's allocator for a long-lived process whose big allocations (index
/// buffers, parsed lists) come and go with every rebuild: big blocks always get
/// their own mapping, returned to the kernel when freed, and two arenas stop the
/// blocking threads from each keeping a heap of their own.
#[allow(unsafe_code)]
pub(crate) fn tune_allocator() {
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt only sets allocator parameters; called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}
