//! Running OCR (`ocr`) in a worker process: the `hirekey` binary as `hirekey extract ocr`, in a
//! private directory of its own (mode 0700, removed afterwards) that holds the upload, under
//! the sandbox's limits ([`OCR_LIMITS`]: address space, CPU time, file size, a lower priority,
//! no network) and a wall-clock kill ([`OCR_TIMEOUT`]) of its whole process group, so the
//! `pdftoppm` and `tesseract` it starts go with it. At most [`max_concurrent_ocr`] run at once;
//! each reads two pages at a time.
//!
//! OCR is there when `tesseract`, `pdftoppm` and `pdfinfo` are on the server's `PATH`
//! ([`available`]); without them scans are refused at upload, as before.
use std::{
    num::NonZeroUsize,
    path::{Path, PathBuf},
    process::Stdio,
    sync::OnceLock,
    time::Duration,
};

use bytes::Bytes;
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, BufReader},
    process::Command,
    sync::Semaphore,
};

use super::{
    ocr::{OcrEvent, Tools, INPUT},
    sandbox::{self, Limits},
    worker::{worker_path, WORKER_SUBCOMMAND},
    ExtractError,
};

/// Wall-clock time one scan may take (up to five pages, two at a time); then the worker's
/// process group is killed.
pub const OCR_TIMEOUT: Duration = Duration::from_secs(90);
/// What an OCR worker and each tool it starts may use. Tesseract reading a 12-megapixel
/// photo with the Chinese model peaks near 300 MB of address space; a rendered page is at
/// most 40 MP of 8-bit grey (40 MB), written to the worker's directory.
pub(super) const OCR_LIMITS: Limits = Limits {
    address_space: 1024 * 1024 * 1024,
    cpu_secs: 90,
    file_size: 64 * 1024 * 1024,
    nice: 10,
};
/// The most an OCR worker may answer on stdout.
const MAX_ANSWER_BYTES: u64 = 4 * 1024 * 1024;

/// What OCR read from a scan.
#[derive(Clone, Debug, PartialEq)]
pub struct OcrReading {
    pub text: String,
    /// Tesseract's mean word confidence, 0 to 100.
    pub confidence: f64,
    pub words: u32,
    pub pages: u32,
    /// The Tesseract languages the pages were read with (`eng`, `deu`, `chi_sim`, ...).
    pub languages: Vec<String>,
}

/// OCR workers at once: one per two cores, at least one. Each reads two pages at once, so
/// the cores are busy and the memory stays bounded however many scans arrive.
pub fn max_concurrent_ocr() -> usize {
    std::thread::available_parallelism()
        .map_or(2, NonZeroUsize::get)
        .div_euclid(2)
        .max(1)
}

fn slots() -> &'static Semaphore {
    static SLOTS: OnceLock<Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| Semaphore::new(max_concurrent_ocr()))
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = crate::config::Config::path_var("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The OCR tools, if all three are installed.
pub fn tools() -> Option<&'static Tools> {
    static TOOLS: OnceLock<Option<Tools>> = OnceLock::new();
    TOOLS
        .get_or_init(|| {
            let found = (|| {
                Some(Tools {
                    tesseract: find_on_path("tesseract")?,
                    pdftoppm: find_on_path("pdftoppm")?,
                    pdfinfo: find_on_path("pdfinfo")?,
                })
            })();
            match &found {
                Some(_) => tracing::info!(
                    at_once = max_concurrent_ocr(),
                    "scanned resumes are read by OCR"
                ),
                None => tracing::warn!(
                    "tesseract, pdftoppm or pdfinfo is not on PATH: scanned resumes are refused \
                     (`make setup` installs them)"
                ),
            }
            found
        })
        .as_ref()
}

/// Whether scans can be read here.
pub fn available() -> bool {
    tools().is_some() && worker_path().is_some()
}

/// A private directory, removed with everything in it when dropped.
struct WorkDir(PathBuf);

impl WorkDir {
    fn create() -> std::io::Result<Self> {
        use std::os::unix::fs::DirBuilderExt;
        let path = std::env::temp_dir().join(format!("hirekey-ocr-{}", uuid::Uuid::new_v4()));
        std::fs::DirBuilder::new().mode(0o700).create(&path)?;
        Ok(Self(path))
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Kills the worker's whole process group when dropped (the read ended, timed out or was
/// abandoned): a tool it started never outlives the scan.
struct Group(Option<u32>);

impl Drop for Group {
    fn drop(&mut self) {
        if let Some(pid) = self.0.and_then(|p| i32::try_from(p).ok()) {
            // SAFETY: signals a process group this function started; a group that is gone
            // makes kill return ESRCH, which is ignored.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
    }
}

/// Reads a scan (PDF or image) by OCR in a worker, calling `progress(done, pages)` as pages
/// are read. Waits for a free OCR slot as long as it takes (the caller holds a job's lease).
pub async fn read_scan(
    bytes: Bytes,
    mut progress: impl FnMut(u32, u32) + Send,
) -> Result<OcrReading, ExtractError> {
    let (Some(tools), Some(worker)) = (tools(), worker_path()) else {
        return Err(ExtractError::WorkerUnavailable);
    };
    let _slot = slots().acquire().await.map_err(|_| ExtractError::Busy)?;
    let dir = tokio::task::spawn_blocking(move || -> std::io::Result<WorkDir> {
        let dir = WorkDir::create()?;
        std::fs::write(dir.0.join(INPUT), &bytes)?;
        Ok(dir)
    })
    .await
    .map_err(|_| ExtractError::WorkerUnavailable)?
    .map_err(|error| {
        tracing::error!(%error, "could not write a scan for OCR");
        ExtractError::WorkerUnavailable
    })?;
    let mut command = Command::new(worker);
    command
        .arg(WORKER_SUBCOMMAND)
        .arg("ocr")
        .arg(&tools.tesseract)
        .arg(&tools.pdftoppm)
        .arg(&tools.pdfinfo)
        .env_clear()
        .env("OMP_THREAD_LIMIT", "1")
        .env("MALLOC_ARENA_MAX", "2")
        .current_dir(&dir.0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    if let Some(prefix) = crate::config::Config::path_var("TESSDATA_PREFIX") {
        command.env("TESSDATA_PREFIX", prefix);
    }
    sandbox::confine(&mut command, OCR_LIMITS);
    let spawned = tokio::task::spawn_blocking(move || command.spawn()).await;
    let mut child = match spawned {
        Ok(Ok(child)) => child,
        _ => {
            tracing::error!("could not start an OCR worker");
            return Err(ExtractError::WorkerUnavailable);
        }
    };
    let mut group = Group(child.id());
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let exchange = async {
        let mut pages = 0;
        let mut done = 0;
        let mut outcome = Err(ExtractError::NoText);
        if let Some(stdout) = stdout {
            let mut lines = BufReader::new(stdout.take(MAX_ANSWER_BYTES)).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                match serde_json::from_str::<OcrEvent>(&line) {
                    Ok(OcrEvent::Pages { pages: n }) => {
                        pages = n;
                        progress(0, pages);
                    }
                    Ok(OcrEvent::PageDone { .. }) => {
                        done += 1;
                        progress(done.min(pages), pages);
                    }
                    Ok(OcrEvent::Done {
                        text,
                        confidence,
                        words,
                        languages,
                    }) => {
                        outcome = Ok(OcrReading {
                            text,
                            confidence,
                            words,
                            pages,
                            languages,
                        });
                    }
                    Ok(OcrEvent::Failed { code }) => outcome = Err(OcrEvent::error(&code)),
                    Err(_) => {}
                }
            }
        }
        let mut diagnostics = Vec::new();
        if let Some(stderr) = stderr {
            let _ = stderr.take(8 * 1024).read_to_end(&mut diagnostics).await;
        }
        (outcome, child.wait().await)
    };
    let ended = tokio::time::timeout(OCR_TIMEOUT, exchange).await;
    if ended.is_ok() {
        // Reaped: its id may be another process's by now.
        group.0 = None;
    }
    match ended {
        Ok((outcome, Ok(status))) if status.success() => outcome,
        Ok((_, status)) => {
            tracing::warn!(?status, "OCR worker failed");
            Err(ExtractError::BrokenImage)
        }
        Err(_) => {
            tracing::warn!("OCR worker killed at the deadline");
            Err(ExtractError::TimedOut)
        }
    }
}
