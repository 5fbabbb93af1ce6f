//! The extraction worker: every PDF and DOCX is parsed in a child process, the `hirekey` binary
//! itself run as `hirekey extract <pdf|docx>` (a hidden subcommand, so nothing extra is
//! deployed). The file goes in on stdin; a small JSON [`Reply`] comes back on stdout.
//!
//! The child runs under hard limits set between fork and exec (`sandbox`): address space
//! [`WORKER_ADDRESS_SPACE`], CPU time [`WORKER_CPU_SECS`], no core files, no files written, no
//! network. The
//! parent kills it (SIGKILL) after [`EXTRACT_TIMEOUT`] of wall-clock time, and when the upload
//! is abandoned (`kill_on_drop`). Its environment is emptied (no keys, no database URL reach a
//! parser). A stack overflow, an abort, an allocation past the limit or a kill costs that one
//! upload a clean 422; the server never sees it. At most [`max_concurrent_extractions`] workers
//! run at once, and one user's uploads hold at most [`max_extractions_per_user`] of them, so
//! another user's upload finds a worker free or is next in line; an upload waits up to
//! [`QUEUE_WAIT`] for a slot, then gets 429 `Retry-After`.
//!
//! Where the binary is: [`set_worker_path`] (tests and benches: Cargo's
//! `CARGO_BIN_EXE_hirekey`), else `HIREKEY_EXTRACT_WORKER`, else this process's own executable
//! when it is `hirekey` (production).
use std::{
    collections::HashMap,
    io::{Read, Write},
    num::NonZeroUsize,
    path::{Path, PathBuf},
    process::{ExitCode, ExitStatus, Stdio},
    sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError},
};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWriteExt},
    process::Command,
    sync::{OwnedSemaphorePermit, Semaphore},
    time::Instant,
};
use uuid::Uuid;

use super::{
    broken, docx, extract_parts,
    sandbox::{self, Limits},
    DocumentKind, Engine, ExtractError, Extracted, EXTRACT_TIMEOUT, QUEUE_WAIT,
};

/// The hidden subcommand of `hirekey` that runs one extraction (`cli.rs`).
pub const WORKER_SUBCOMMAND: &str = "extract";
/// The environment variable naming the `hirekey` binary to run as the worker, for processes
/// that are not `hirekey` themselves.
pub const WORKER_ENV: &str = "HIREKEY_EXTRACT_WORKER";
/// RLIMIT_AS of a worker: its whole address space (binary, runtime threads, heap). Every file
/// of the test corpus reads the same at 128 MiB (debug build); a decompression bomb dies here.
/// With [`max_concurrent_extractions`] workers at once, this bounds what parsing can take.
pub const WORKER_ADDRESS_SPACE: u64 = 256 * 1024 * 1024;
/// RLIMIT_CPU of a worker, in seconds (SIGXCPU). The wall-clock [`EXTRACT_TIMEOUT`] usually
/// fires first; this stops a worker whose parent's timer is late.
pub const WORKER_CPU_SECS: u64 = EXTRACT_TIMEOUT.as_secs() + 1;
/// The most a worker may answer on stdout (the text is capped at `MAX_TEXT_CHARS` already).
const MAX_REPLY_BYTES: u64 = 4 * 1024 * 1024;
/// What is kept of a worker's stderr: enough to tell a panic, an overflow or an OOM apart.
const MAX_STDERR_BYTES: u64 = 8 * 1024;
/// What a text-reading worker may use (`sandbox`): it writes no file.
const LIMITS: Limits = Limits {
    address_space: WORKER_ADDRESS_SPACE,
    cpu_secs: WORKER_CPU_SECS,
    file_size: 0,
    nice: 0,
};

/// How many workers may run at once: the cores (between 2 and 8).
pub fn max_concurrent_extractions() -> usize {
    std::thread::available_parallelism()
        .map_or(2, NonZeroUsize::get)
        .clamp(2, 8)
}

fn slots() -> &'static Semaphore {
    static SLOTS: OnceLock<Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| Semaphore::new(max_concurrent_extractions()))
}

/// How many workers one user's uploads may hold at once: half of them, at least one. The
/// others stay for other users however many files one user sends.
pub fn max_extractions_per_user() -> usize {
    (max_concurrent_extractions() / 2).max(1)
}

/// How many of one user's uploads may wait for their share beyond those it runs; more are
/// refused at once (429) rather than held in memory for [`QUEUE_WAIT`].
pub const MAX_WAITING_PER_USER: usize = 8;

/// Each user with an upload waiting for or holding a worker: the user's share of the workers
/// and how many of their uploads are waiting or running. An entry goes when its last upload
/// ends, so the map holds only users with uploads under way.
struct Share {
    slots: Arc<Semaphore>,
    uploads: usize,
}

fn shares() -> MutexGuard<'static, HashMap<Uuid, Share>> {
    static SHARES: OnceLock<Mutex<HashMap<Uuid, Share>>> = OnceLock::new();
    SHARES
        .get_or_init(Mutex::default)
        .lock()
        // The map is consistent after every statement: a panic elsewhere leaves it usable.
        .unwrap_or_else(PoisonError::into_inner)
}

/// One upload counted in its user's share while it waits or runs (dropped when it ends, also
/// when the request is abandoned).
struct Place {
    owner: Uuid,
}

impl Place {
    /// Counts an upload of `owner`, with the user's share; [`ExtractError::Busy`] when the
    /// user already has as many uploads under way as may wait.
    fn take(owner: Uuid) -> Result<(Self, Arc<Semaphore>), ExtractError> {
        let mut shares = shares();
        let share = shares.entry(owner).or_insert_with(|| Share {
            slots: Arc::new(Semaphore::new(max_extractions_per_user())),
            uploads: 0,
        });
        if share.uploads >= max_extractions_per_user() + MAX_WAITING_PER_USER {
            return Err(ExtractError::Busy);
        }
        share.uploads += 1;
        Ok((Self { owner }, share.slots.clone()))
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut shares = shares();
        if let Some(share) = shares.get_mut(&self.owner) {
            share.uploads = share.uploads.saturating_sub(1);
            if share.uploads == 0 {
                shares.remove(&self.owner);
            }
        }
    }
}

/// A user's hold on one of their share's slots. The permit goes back before the place.
struct UserSlot {
    _permit: OwnedSemaphorePermit,
    _place: Place,
}

/// Waits until `deadline` for a slot of `owner`'s share, then for a worker. Uploads wait for
/// their user's share before joining the queue for a worker, so one user's backlog waits
/// behind that user alone.
async fn acquire_worker(
    owner: Option<Uuid>,
    deadline: Instant,
) -> Result<(Option<UserSlot>, tokio::sync::SemaphorePermit<'static>), ExtractError> {
    let user_slot = match owner {
        Some(owner) => {
            let (place, slots) = Place::take(owner)?;
            let permit = tokio::time::timeout_at(deadline, slots.acquire_owned())
                .await
                .map_err(|_| ExtractError::Busy)?
                .map_err(|_| ExtractError::Busy)?;
            Some(UserSlot {
                _permit: permit,
                _place: place,
            })
        }
        None => None,
    };
    let worker = tokio::time::timeout_at(deadline, slots().acquire())
        .await
        .map_err(|_| ExtractError::Busy)?
        .map_err(|_| ExtractError::Busy)?;
    Ok((user_slot, worker))
}

static WORKER_OVERRIDE: OnceLock<PathBuf> = OnceLock::new();

/// Runs workers from this `hirekey` binary (tests and benches, whose own executable is not
/// `hirekey`). The first call wins; call it before the first upload.
pub fn set_worker_path(path: impl Into<PathBuf>) {
    let _ = WORKER_OVERRIDE.set(path.into());
}

/// The `hirekey` binary workers are started from, if one is known.
pub fn worker_path() -> Option<&'static Path> {
    if let Some(path) = WORKER_OVERRIDE.get() {
        return Some(path);
    }
    static RESOLVED: OnceLock<Option<PathBuf>> = OnceLock::new();
    RESOLVED
        .get_or_init(|| {
            let found = crate::config::Config::path_var(WORKER_ENV)
                .map(PathBuf::from)
                .or_else(|| {
                    let exe = std::env::current_exe().ok()?;
                    (exe.file_stem()? == "hirekey").then_some(exe)
                });
            match &found {
                Some(path) => tracing::info!(
                    worker = %path.display(),
                    at_once = max_concurrent_extractions(),
                    "resume files are parsed in worker processes"
                ),
                None => tracing::error!(
                    "no extraction worker: this process is not the hirekey binary and \
                     {WORKER_ENV} is not set, so PDF and DOCX uploads are refused"
                ),
            }
            found
        })
        .as_deref()
}

/// One extraction in a worker process (see the module documentation), counted in `owner`'s
/// share of the workers when there is an owner (uploads; benches and fuzzing have none).
pub(super) async fn extract(
    owner: Option<Uuid>,
    kind: DocumentKind,
    engine: Engine,
    bytes: Bytes,
) -> Result<Extracted, ExtractError> {
    let Some(path) = worker_path() else {
        return Err(ExtractError::WorkerUnavailable);
    };
    let _slots = acquire_worker(owner, Instant::now() + QUEUE_WAIT).await?;
    let mut command = worker_command(path, engine);
    // fork + exec copies the page tables of the whole server: not on a runtime thread.
    let spawned = tokio::task::spawn_blocking(move || command.spawn()).await;
    let mut child = match spawned {
        Ok(Ok(child)) => child,
        Ok(Err(error)) => {
            let worker = path.display();
            tracing::error!(%error, %worker, "could not start an extraction worker");
            return Err(ExtractError::WorkerUnavailable);
        }
        Err(error) => {
            tracing::error!(%error, "could not start an extraction worker");
            return Err(ExtractError::WorkerUnavailable);
        }
    };
    let stdin = child.stdin.take();
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let exchange = async {
        let send = async move {
            if let Some(mut stdin) = stdin {
                // A worker that dies early closes the pipe; its exit status says why.
                let _ = stdin.write_all(&bytes).await;
            }
        };
        let ((), reply, diagnostics) = tokio::join!(
            send,
            read_capped(stdout, MAX_REPLY_BYTES),
            read_capped(stderr, MAX_STDERR_BYTES)
        );
        (reply, diagnostics, child.wait().await)
    };
    let (reply, diagnostics, status) = match tokio::time::timeout(EXTRACT_TIMEOUT, exchange).await {
        Ok(done) => done,
        Err(_) => {
            let _ = child.start_kill();
            let _ = child.wait().await;
            tracing::warn!(?kind, "extraction worker killed at the deadline");
            return Err(ExtractError::TimedOut);
        }
    };
    let status = match status {
        Ok(status) => status,
        Err(error) => {
            tracing::warn!(%error, ?kind, "extraction worker lost");
            return Err(broken(kind));
        }
    };
    if status.success() {
        if let Ok(reply) = serde_json::from_slice::<Reply>(&reply) {
            return reply.into_result(kind);
        }
        tracing::warn!(?kind, "extraction worker answered nonsense");
        return Err(broken(kind));
    }
    let cause = Failure::of(status, &diagnostics);
    tracing::warn!(?kind, cause = cause.as_str(), %status, "extraction worker failed");
    Err(match cause {
        Failure::CpuLimit => ExtractError::TimedOut,
        _ => broken(kind),
    })
}

/// What `hirekey extract sandbox-probe` answers inside a worker's limits: `network refused`
/// where the seccomp filter holds (the tests ask).
pub async fn sandbox_probe() -> Option<String> {
    let path = worker_path()?;
    let mut command = Command::new(path);
    command
        .arg(WORKER_SUBCOMMAND)
        .arg("sandbox-probe")
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    sandbox::confine(&mut command, LIMITS);
    let out = command.output().await.ok()?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

async fn read_capped(pipe: Option<impl AsyncRead + Unpin>, cap: u64) -> Vec<u8> {
    let mut out = Vec::new();
    if let Some(pipe) = pipe {
        let _ = pipe.take(cap + 1).read_to_end(&mut out).await;
    }
    out
}

fn worker_command(path: &Path, engine: Engine) -> Command {
    let mut command = Command::new(path);
    command
        .arg(WORKER_SUBCOMMAND)
        .arg(worker_arg(engine))
        // Nothing of the server's environment (keys, database URL) reaches a parser.
        .env_clear()
        // Fewer malloc arenas: less address space reserved per thread under RLIMIT_AS.
        .env("MALLOC_ARENA_MAX", "2")
        .current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    sandbox::confine(&mut command, LIMITS);
    command
}

/// Why a worker ended without an answer, for the log and the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Failure {
    StackOverflow,
    OutOfMemory,
    Panic,
    CpuLimit,
    Killed,
    Crashed,
}

impl Failure {
    fn of(status: ExitStatus, stderr: &[u8]) -> Self {
        use std::os::unix::process::ExitStatusExt;
        let said = |needle: &str| stderr.windows(needle.len()).any(|w| w == needle.as_bytes());
        match status.signal() {
            Some(libc::SIGXCPU) => Self::CpuLimit,
            Some(libc::SIGKILL) => Self::Killed,
            _ if said("has overflowed its stack") => Self::StackOverflow,
            _ if said("memory allocation of") => Self::OutOfMemory,
            _ if said("panicked") => Self::Panic,
            _ => Self::Crashed,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::StackOverflow => "stack overflow",
            Self::OutOfMemory => "out of memory",
            Self::Panic => "panic",
            Self::CpuLimit => "CPU time limit",
            Self::Killed => "killed",
            Self::Crashed => "crashed",
        }
    }
}

/// The worker's argument for an engine, and back (`hirekey extract <arg>`).
const WORKER_ARGS: [(&str, DocumentKind, Engine); 4] = [
    ("pdf", DocumentKind::Pdf, Engine::PdfExtract),
    ("pdf-oxide", DocumentKind::Pdf, Engine::PdfOxide),
    ("docx", DocumentKind::Docx, Engine::Docx),
    ("txt", DocumentKind::Text, Engine::Text),
];

fn worker_arg(engine: Engine) -> &'static str {
    WORKER_ARGS
        .iter()
        .find(|(_, _, e)| *e == engine)
        .map_or("pdf", |(arg, _, _)| arg)
}

/// A worker's answer on stdout.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Reply {
    Text {
        text: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        hidden: Vec<String>,
        engine: Engine,
        #[serde(default)]
        pages: u32,
        #[serde(default)]
        scan_images: u32,
    },
    Error {
        code: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
}

impl Reply {
    fn from_result(result: Result<Extracted, ExtractError>) -> Self {
        let error = |code: &str, detail: Option<&str>| Self::Error {
            code: code.to_owned(),
            detail: detail.map(str::to_owned),
        };
        match result {
            Ok(Extracted {
                text,
                hidden,
                engine,
                pages,
                scan_images,
            }) => Self::Text {
                text,
                hidden,
                engine,
                pages,
                scan_images,
            },
            Err(e) => match e {
                ExtractError::Unsupported(message) => error("unsupported", Some(&message)),
                ExtractError::Empty => error("empty", None),
                ExtractError::Encrypted => error("encrypted", None),
                ExtractError::NoTextLayer => error("no_text_layer", None),
                ExtractError::BrokenPdf => error("broken_pdf", None),
                ExtractError::BrokenDocx(problem) => error("broken_docx", Some(problem)),
                ExtractError::NoText => error("no_text", None),
                ExtractError::TimedOut => error("timed_out", None),
                ExtractError::Busy => error("busy", None),
                ExtractError::WorkerUnavailable => error("worker_unavailable", None),
                // OCR's own, never a text reader's.
                ExtractError::BrokenImage
                | ExtractError::ImageTooLarge { .. }
                | ExtractError::TooManyPages => error("no_text", None),
            },
        }
    }

    fn into_result(self, kind: DocumentKind) -> Result<Extracted, ExtractError> {
        let (code, detail) = match self {
            Self::Text {
                text,
                hidden,
                engine,
                pages,
                scan_images,
            } => {
                return Ok(Extracted {
                    text,
                    hidden,
                    engine,
                    pages,
                    scan_images,
                })
            }
            Self::Error { code, detail } => (code, detail),
        };
        Err(match code.as_str() {
            "unsupported" => ExtractError::Unsupported(detail.unwrap_or_default()),
            "empty" => ExtractError::Empty,
            "encrypted" => ExtractError::Encrypted,
            "no_text_layer" => ExtractError::NoTextLayer,
            "broken_pdf" => ExtractError::BrokenPdf,
            "broken_docx" => ExtractError::BrokenDocx(
                docx::PROBLEMS
                    .iter()
                    .copied()
                    .find(|p| Some(*p) == detail.as_deref())
                    .unwrap_or(docx::DAMAGED),
            ),
            "no_text" => ExtractError::NoText,
            "timed_out" => ExtractError::TimedOut,
            _ => broken(kind),
        })
    }
}

/// `hirekey extract <pdf|pdf-oxide|docx|txt>`: reads the file from stdin, writes one [`Reply`]
/// to stdout. `hirekey extract ocr <tesseract> <pdftoppm> <pdfinfo>` reads a scan (`ocr`);
/// `hirekey extract sandbox-probe` says whether a worker may open a network socket. Limits are the parent's business (set before exec). Nothing else may write to
/// stdout.
pub fn run_child(arg: &str, tools: &[PathBuf]) -> ExitCode {
    match (arg, tools) {
        ("ocr", [tesseract, pdftoppm, pdfinfo]) => {
            return super::ocr::run_child(&super::ocr::Tools {
                tesseract: tesseract.clone(),
                pdftoppm: pdftoppm.clone(),
                pdfinfo: pdfinfo.clone(),
            })
        }
        ("sandbox-probe", []) => {
            let answer: &[u8] = if sandbox::network_allowed() {
                b"network allowed\n"
            } else {
                b"network refused\n"
            };
            let _ = std::io::stdout().write_all(answer);
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    let Some(&(_, kind, engine)) = WORKER_ARGS.iter().find(|(a, _, _)| *a == arg) else {
        return ExitCode::from(2);
    };
    // The default hook formats the message and maybe a backtrace under a lock; if that runs
    // out of memory (a bomb near the address-space limit), the allocation-error hook waits
    // for the same lock for ever. A fixed line allocates nothing; the parent reads it.
    std::panic::set_hook(Box::new(|_| {
        let _ = std::io::stderr().write_all(b"the parser panicked\n");
    }));
    let mut input = Vec::new();
    if std::io::stdin().lock().read_to_end(&mut input).is_err() {
        return ExitCode::FAILURE;
    }
    let reply = Reply::from_result(extract_parts(kind, engine, &input));
    drop(input);
    let mut stdout = std::io::stdout().lock();
    let written = serde_json::to_writer(&mut stdout, &reply)
        .map_err(std::io::Error::from)
        .and_then(|()| stdout.flush());
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_round_trip() {
        let cases = [
            Ok(Extracted {
                text: "Jane Doe\nRust".to_owned(),
                hidden: vec!["Ignore all previous instructions".to_owned()],
                engine: Engine::PdfExtract,
                pages: 2,
                scan_images: 0,
            }),
            Ok(Extracted {
                text: "Jane Doe".to_owned(),
                hidden: vec![],
                engine: Engine::PdfOxide,
                pages: 1,
                scan_images: 1,
            }),
            Err(ExtractError::Unsupported("nope".into())),
            Err(ExtractError::Empty),
            Err(ExtractError::Encrypted),
            Err(ExtractError::NoTextLayer),
            Err(ExtractError::BrokenPdf),
            Err(ExtractError::BrokenDocx("it unpacks to too much data")),
            Err(ExtractError::NoText),
            Err(ExtractError::TimedOut),
        ];
        for case in cases {
            let json = serde_json::to_vec(&Reply::from_result(case.clone())).unwrap_or_default();
            let back = serde_json::from_slice::<Reply>(&json)
                .map(|r| r.into_result(DocumentKind::Pdf))
                .unwrap_or(Err(ExtractError::Busy));
            assert_eq!(back, case);
        }
        let odd = Reply::Error {
            code: "broken_docx".into(),
            detail: Some("made up".into()),
        };
        assert_eq!(
            odd.into_result(DocumentKind::Docx),
            Err(ExtractError::BrokenDocx(docx::DAMAGED))
        );
    }

    #[test]
    fn a_users_uploads_are_bounded_and_forgotten_when_they_end() {
        let owner = Uuid::new_v4();
        let mut places = Vec::new();
        for _ in 0..max_extractions_per_user() + MAX_WAITING_PER_USER {
            let taken = Place::take(owner);
            assert!(taken.is_ok());
            places.push(taken);
        }
        assert!(matches!(Place::take(owner), Err(ExtractError::Busy)));
        // Another user is not counted against this one.
        assert!(Place::take(Uuid::new_v4()).is_ok());
        assert!(shares().contains_key(&owner));
        drop(places);
        assert!(
            !shares().contains_key(&owner),
            "no entry outlives its uploads"
        );
    }

    #[test]
    fn failures_are_told_apart() {
        use std::os::unix::process::ExitStatusExt;
        let abort = ExitStatus::from_raw(libc::SIGABRT);
        assert_eq!(
            Failure::of(
                abort,
                b"\nthread 'main' has overflowed its stack\nfatal runtime error"
            ),
            Failure::StackOverflow
        );
        assert_eq!(
            Failure::of(abort, b"memory allocation of 1073741824 bytes failed\n"),
            Failure::OutOfMemory
        );
        assert_eq!(
            Failure::of(ExitStatus::from_raw(libc::SIGXCPU), b""),
            Failure::CpuLimit
        );
        assert_eq!(
            Failure::of(ExitStatus::from_raw(1 << 8), b""),
            Failure::Crashed
        );
    }
}
