//! The limits every worker process runs under, set in the child between fork and exec and
//! inherited by whatever it starts (the OCR worker's `pdfinfo`, `pdftoppm` and `tesseract`):
//! address space, CPU time, the size of a file it may write, no core files, a lower scheduling
//! priority, and no network (a seccomp filter refuses `socket(2)`, so nothing in a worker can
//! open a connection, whatever a hostile file makes a parser do).
/// What a worker may use.
#[derive(Clone, Copy, Debug)]
pub(super) struct Limits {
    /// RLIMIT_AS, bytes: the whole address space of each process.
    pub address_space: u64,
    /// RLIMIT_CPU, seconds, per process (SIGXCPU).
    pub cpu_secs: u64,
    /// RLIMIT_FSIZE, bytes: the largest file a process may write (0: none).
    pub file_size: u64,
    /// Added to the nice value (0: as the server).
    pub nice: i32,
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
type Resource = libc::__rlimit_resource_t;
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
type Resource = libc::c_int;

/// Sets `limits` on `command`'s child.
pub(super) fn confine(command: &mut tokio::process::Command, limits: Limits) {
    // SAFETY: between fork and exec the closure makes only getrlimit/setrlimit, setpriority
    // and prctl system calls, which are async-signal-safe; it allocates nothing and takes no
    // lock (`limits` is a plain copy).
    unsafe {
        command.pre_exec(move || apply(limits));
    }
}

/// Runs in the child between fork and exec.
fn apply(limits: Limits) -> std::io::Result<()> {
    set_limit(libc::RLIMIT_AS, limits.address_space, limits.address_space)?;
    set_limit(libc::RLIMIT_CPU, limits.cpu_secs, limits.cpu_secs + 1)?;
    set_limit(libc::RLIMIT_CORE, 0, 0)?;
    set_limit(libc::RLIMIT_FSIZE, limits.file_size, limits.file_size)?;
    if limits.nice > 0 {
        // SAFETY: plain system call on this process. A refusal leaves the priority as it was.
        unsafe {
            libc::setpriority(libc::PRIO_PROCESS, 0, limits.nice);
        }
    }
    deny_network();
    Ok(())
}

/// Lowers a limit to `soft`/`hard`, never above what this process may have already.
fn set_limit(resource: Resource, soft: u64, hard: u64) -> std::io::Result<()> {
    let mut current = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `current` is a valid, writable rlimit.
    if unsafe { libc::getrlimit(resource, &mut current) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let hard = hard.min(current.rlim_max);
    let wanted = libc::rlimit {
        rlim_cur: soft.min(hard),
        rlim_max: hard,
    };
    // SAFETY: `wanted` is a valid rlimit.
    if unsafe { libc::setrlimit(resource, &wanted) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
const AUDIT_ARCH: u32 = if cfg!(target_arch = "x86_64") {
    0xC000_003E // AUDIT_ARCH_X86_64
} else {
    0xC000_00B7 // AUDIT_ARCH_AARCH64
};

/// A seccomp filter that answers `socket(2)` with EACCES: no worker, and nothing it starts,
/// can open a network connection. `PR_SET_NO_NEW_PRIVS` first, which an unprivileged process
/// needs to install a filter. Where the kernel refuses (no seccomp), the worker runs without
/// it; `hirekey extract sandbox-probe` tells which (the tests ask it).
#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
fn deny_network() {
    const LD_W_ABS: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
    const JEQ_K: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
    const RET_K: u16 = (libc::BPF_RET | libc::BPF_K) as u16;
    let stmt = |code: u16, k: u32| libc::sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    };
    let jump = |k: u32, jt: u8, jf: u8| libc::sock_filter {
        code: JEQ_K,
        jt,
        jf,
        k,
    };
    // seccomp_data: nr at offset 0, arch at offset 4.
    let filter = [
        stmt(LD_W_ABS, 4),
        jump(AUDIT_ARCH, 0, 3),
        stmt(LD_W_ABS, 0),
        jump(libc::SYS_socket as u32, 0, 1),
        stmt(RET_K, libc::SECCOMP_RET_ERRNO | libc::EACCES as u32),
        stmt(RET_K, libc::SECCOMP_RET_ALLOW),
    ];
    let program = libc::sock_fprog {
        len: filter.len() as u16,
        filter: filter.as_ptr().cast_mut(),
    };
    // SAFETY: prctl with constant arguments and a pointer to a filter that outlives the call.
    unsafe {
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
            return;
        }
        libc::prctl(
            libc::PR_SET_SECCOMP,
            libc::SECCOMP_MODE_FILTER,
            &program as *const libc::sock_fprog,
        );
    }
}

#[cfg(not(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
)))]
fn deny_network() {}

/// Whether this process may open a network socket: what `hirekey extract sandbox-probe`
/// answers, run inside a worker's limits.
pub fn network_allowed() -> bool {
    // SAFETY: socket and close on a descriptor this function owns.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        if fd < 0 {
            return false;
        }
        libc::close(fd);
        true
    }
}
