//! `make bench`: PDF text extraction on the generated test PDFs (`tests/api/pdfs.rs`), timed
//! through `services::extract::extract_text`, the call an upload makes (a worker slot, the
//! `hirekey extract` worker process under its limits, normalising). Per file: median and p99
//! over the runs, ms per page; for the malformed files, how long they take to fail. Budgets:
//! DESIGN.md, "Performance budgets": a 2-page resume under 20 ms, a malformed PDF failing in
//! under 2 s. Then the worker's overhead per file: the 2-page resumes through the worker against
//! `extract_parts` (the same parse in this process, no limits). Then the engine table: pdf-extract,
//! pdf_oxide and the two together on the real-world corpus and the producers' resumes.
//!
//! `HIREKEY_BENCH_QUICK=1` runs 20 instead of 200 timed runs per file (a smoke run).
//! The report is printed and written to `target/bench/extraction.md`.

// A measurement tool, not a test and not server code: its output *is* stdout, and a broken
// setup (a generator fails, a good PDF is refused) should stop it loudly, so the workspace's
// unwrap/expect/print_stdout denials do not fit here.
// A benchmark drives the server from outside: its own HTTP clients, environment and literal
// bodies (clippy.toml keeps those out of Hirekey's own crates).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::disallowed_methods,
    clippy::disallowed_macros
)]

use std::{fmt::Write as _, time::Instant};

use bytes::Bytes;
use hirekey_core::services::extract::{
    extract_document, extract_parts, extract_text, extract_with, set_worker_path, DocumentKind,
    Engine, ExtractError, EXTRACT_TIMEOUT,
};

// The fixtures of the API tests; the bench reads only what it times.
#[path = "../tests/api/manifest.rs"]
mod manifest;
#[allow(dead_code)]
#[path = "../tests/api/pdfs.rs"]
mod pdfs;
mod support;

use pdfs::{Expect, Sample};
use support::{percentile, report_dir};

/// The budget for a 2-page resume, on p99.
const TWO_PAGE_BUDGET_MS: f64 = 20.0;
/// The budget for a malformed PDF to fail, on the slowest run.
const MALFORMED_BUDGET_MS: f64 = 2_000.0;
/// Only the size matters for the oversized sample here (the server refuses it before reading).
const UPLOAD_LIMIT: usize = 10 * 1024 * 1024;

struct Timing {
    sample: Sample,
    outcome: Result<usize, ExtractError>,
    /// Milliseconds per run, sorted.
    ms: Vec<f64>,
}

impl Timing {
    fn median(&self) -> f64 {
        percentile(&self.ms, 0.5)
    }
    fn p99(&self) -> f64 {
        percentile(&self.ms, 0.99)
    }
    fn max(&self) -> f64 {
        self.ms.last().copied().unwrap_or(f64::NAN)
    }
}

async fn time(sample: Sample, warmup: usize, runs: usize) -> Timing {
    let bytes = Bytes::from(sample.bytes.clone());
    let first = extract_text(DocumentKind::Pdf, bytes.clone()).await;
    for _ in 0..warmup {
        let _ = extract_text(DocumentKind::Pdf, bytes.clone()).await;
    }
    let mut ms = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let result = extract_text(DocumentKind::Pdf, bytes.clone()).await;
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(
            result
                .as_ref()
                .map(|t| t.chars().count())
                .map_err(Clone::clone),
            first
                .as_ref()
                .map(|t| t.chars().count())
                .map_err(Clone::clone),
            "{}: the same file gave another answer",
            sample.label
        );
    }
    ms.sort_by(f64::total_cmp);
    Timing {
        outcome: first.map(|t| t.chars().count()),
        sample,
        ms,
    }
}

fn outcome(t: &Timing) -> String {
    match &t.outcome {
        Ok(chars) => format!("text, {chars} chars"),
        Err(e) => format!("refused: {}", short(e)),
    }
}

fn short(e: &ExtractError) -> &'static str {
    match e {
        ExtractError::Unsupported(_) => "unsupported",
        ExtractError::Empty => "empty",
        ExtractError::Encrypted => "encrypted",
        ExtractError::NoTextLayer => "no text layer",
        ExtractError::BrokenPdf => "damaged",
        ExtractError::BrokenDocx(_) => "broken docx",
        ExtractError::NoText => "no text",
        ExtractError::TimedOut => "timed out",
        ExtractError::Busy => "busy",
        ExtractError::WorkerUnavailable => "worker unavailable",
        ExtractError::BrokenImage => "broken image",
        ExtractError::ImageTooLarge { .. } => "image too large",
        ExtractError::TooManyPages => "too many pages",
    }
}

fn verdict(pass: bool) -> &'static str {
    if pass {
        "PASS"
    } else {
        "FAIL"
    }
}

#[tokio::main]
async fn main() {
    let quick = std::env::var("HIREKEY_BENCH_QUICK")
        .is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes" | "on"));
    let (warmup, runs) = if quick { (3, 20) } else { (20, 200) };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // This bench binary is not `hirekey`: the workers are the binary Cargo built beside it, or
    // the one `HIREKEY_EXTRACT_WORKER` names.
    set_worker_path(
        std::env::var("HIREKEY_EXTRACT_WORKER")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_hirekey").to_owned()),
    );
    // `HIREKEY_BENCH_ENGINES_ONLY=1`: only the engine table (it times the workers alone, so a
    // bench binary built without optimisations measures it as well, given a release worker).
    if std::env::var("HIREKEY_BENCH_ENGINES_ONLY").is_ok_and(|v| v == "1") {
        let md = engine_table(if quick { 3 } else { 20 }).await;
        println!("{md}");
        return;
    }

    let mut timings = Vec::new();
    let mut skipped = Vec::new();
    for sample in pdfs::catalogue(UPLOAD_LIMIT) {
        // Files that are not PDFs never reach the extractor (`DocumentKind::detect` refuses
        // them on their first bytes), and the oversized one is refused by size.
        let refused_before = matches!(
            sample.expect,
            Expect::Refused {
                status: 413 | 415,
                ..
            }
        ) || !sample.bytes.starts_with(b"%PDF-");
        if refused_before {
            skipped.push(sample.label);
            continue;
        }
        eprintln!("timing {} ({runs} runs)...", sample.label);
        let t = time(sample, warmup, runs).await;
        let expected_ok = matches!(t.sample.expect, Expect::Read { .. });
        assert_eq!(
            t.outcome.is_ok(),
            expected_ok,
            "{}: unexpected outcome {}",
            t.sample.label,
            outcome(&t)
        );
        timings.push(t);
    }

    let mut md = String::new();
    let _ = writeln!(md, "## PDF text extraction\n");
    let _ = writeln!(
        md,
        "Mode: {}. Machine: {cores} cores. Build: `cargo bench` (release). Timed: \
         `services::extract::extract_text` (worker slot, `hirekey extract` worker process, normalising), \
         one call at a time, {warmup} warm-up + {runs} timed runs per file. Files: \
         `server/tests/api/pdfs.rs`, written with lopdf.\n",
        if quick {
            "QUICK (HIREKEY_BENCH_QUICK=1: a smoke run, not a measurement)"
        } else {
            "full"
        }
    );
    let _ = writeln!(
        md,
        "| file | KB | pages | outcome | median ms | p99 ms | max ms | median ms/page |\n\
         |---|---:|---:|---|---:|---:|---:|---:|"
    );
    for t in &timings {
        let pages = t.sample.pages.max(1) as f64;
        let _ = writeln!(
            md,
            "| {} | {:.1} | {} | {} | {:.3} | {:.3} | {:.3} | {:.3} |",
            t.sample.label,
            t.sample.bytes.len() as f64 / 1024.0,
            t.sample.pages,
            outcome(t),
            t.median(),
            t.p99(),
            t.max(),
            t.median() / pages
        );
    }
    let _ = writeln!(
        md,
        "\nNot timed (refused before extraction): {}.\n",
        skipped.join("; ")
    );

    let mut table = String::from("| measure | budget | result | verdict |\n|---|---|---|---|\n");
    let mut all_pass = true;
    for t in timings
        .iter()
        .filter(|t| t.sample.pages == 2 && t.outcome.is_ok())
    {
        let pass = t.p99() < TWO_PAGE_BUDGET_MS;
        all_pass &= pass;
        let _ = writeln!(
            table,
            "| 2-page resume: {} | < {TWO_PAGE_BUDGET_MS:.0} ms (p99) | p99 {:.3} ms, median {:.3} ms | {} |",
            t.sample.label,
            t.p99(),
            t.median(),
            verdict(pass)
        );
    }
    for t in timings.iter().filter(|t| t.outcome.is_err()) {
        let pass = t.max() < MALFORMED_BUDGET_MS;
        all_pass &= pass;
        let _ = writeln!(
            table,
            "| refused: {} | < {MALFORMED_BUDGET_MS:.0} ms (slowest run) | {} in {:.3} ms max, {:.3} ms median | {} |",
            t.sample.label,
            outcome(t),
            t.max(),
            t.median(),
            verdict(pass)
        );
    }
    let _ = writeln!(md, "{table}");
    let _ = writeln!(
        md,
        "Note: these files fail on their own. A PDF that makes the parser loop is killed with \
         its worker at `EXTRACT_TIMEOUT` ({} s), which is longer than the 2 s budget; one that \
         overflows the parser's stack or inflates past the worker's address-space limit ends \
         its worker and is refused as damaged.\n",
        EXTRACT_TIMEOUT.as_secs_f64()
    );
    md.push_str(&worker_overhead(&timings, warmup, runs).await);
    md.push_str(&engine_table(if quick { 3 } else { 20 }).await);
    let _ = writeln!(md, "Overall: {}", if all_pass { "PASS" } else { "FAIL" });

    println!("{md}");
    let dir = report_dir();
    std::fs::create_dir_all(&dir).expect("create the report directory");
    let path = dir.join("extraction.md");
    std::fs::write(&path, &md).expect("write the report");
    eprintln!("report written to {}", path.display());
}

/// The worker's cost per file: each 2-page resume read by pdf-extract in this process
/// (`extract_parts`, on the calling thread) and through one worker (`extract_with`, no
/// fallback), alternating, one call at a time.
async fn worker_overhead(timings: &[Timing], warmup: usize, runs: usize) -> String {
    let mut md = String::from("## Extraction worker overhead per file\n\n");
    let _ = writeln!(
        md,
        "The same 2-page resumes, {runs} runs each way after {warmup} warm-ups: in this process \
         (`extract_parts`, no limits) against a `hirekey extract` worker process per file \
         (spawn, stdin/stdout, rlimits, normalising). Overhead = worker minus in-process.\n"
    );
    let _ = writeln!(
        md,
        "| file | in-process p50 ms | in-process p99 ms | worker p50 ms | worker p99 ms | overhead p50 ms | overhead p99 ms |\n\
         |---|---:|---:|---:|---:|---:|---:|"
    );
    for t in timings
        .iter()
        .filter(|t| t.sample.pages == 2 && t.outcome.is_ok())
    {
        let bytes = Bytes::from(t.sample.bytes.clone());
        let (mut local, mut worker) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
        for i in 0..warmup + runs {
            let started = Instant::now();
            let a = extract_parts(DocumentKind::Pdf, Engine::PdfExtract, &bytes);
            let local_ms = started.elapsed().as_secs_f64() * 1000.0;
            let started = Instant::now();
            let b = extract_with(DocumentKind::Pdf, Engine::PdfExtract, bytes.clone()).await;
            let worker_ms = started.elapsed().as_secs_f64() * 1000.0;
            assert_eq!(a, b, "{}: the worker read it differently", t.sample.label);
            if i >= warmup {
                local.push(local_ms);
                worker.push(worker_ms);
            }
        }
        local.sort_by(f64::total_cmp);
        worker.sort_by(f64::total_cmp);
        let (l50, l99) = (percentile(&local, 0.5), percentile(&local, 0.99));
        let (w50, w99) = (percentile(&worker, 0.5), percentile(&worker, 0.99));
        let _ = writeln!(
            md,
            "| {} | {l50:.3} | {l99:.3} | {w50:.3} | {w99:.3} | {:.3} | {:.3} |",
            t.sample.label,
            w50 - l50,
            w99 - l99
        );
    }
    md.push('\n');
    md
}

/// How each way of reading a PDF does on files nobody on the project wrote: the published
/// resumes of `tests/data/corpus/` and the producers' resumes of `tests/data/producers/` (pass:
/// every expected word, after collapsing whitespace), and the damaged files of the corpus
/// (answered: text or an extraction error within 5 s). Timed through the worker, as an upload.
async fn engine_table(runs: usize) -> String {
    type Reader = (&'static str, Option<Engine>);
    const READERS: [Reader; 3] = [
        ("pdf-extract 0.12.1 alone", Some(Engine::PdfExtract)),
        ("pdf_oxide 0.3.78 alone", Some(Engine::PdfOxide)),
        ("Hirekey: pdf-extract, pdf_oxide fallback", None),
    ];
    let mut resumes = Vec::new();
    let mut damaged = Vec::new();
    for dir in [manifest::CORPUS, manifest::PRODUCED] {
        for entry in manifest::manifest(dir) {
            if !entry.file.ends_with(".pdf") {
                continue;
            }
            let bytes = Bytes::from(std::fs::read(format!("{dir}/{}", entry.file)).unwrap());
            if entry.file.starts_with("h-") {
                damaged.push((entry.file, bytes));
            } else {
                resumes.push((entry.file, entry.expect, bytes));
            }
        }
    }
    let read = |engine: Option<Engine>, bytes: Bytes| async move {
        match engine {
            Some(engine) => extract_with(DocumentKind::Pdf, engine, bytes).await,
            None => extract_document(DocumentKind::Pdf, bytes).await,
        }
    };
    let mut md = String::from("## Extraction engines on real-world PDFs\n\n");
    let _ = writeln!(
        md,
        "{} resumes with expected words ({} published, from `tests/data/corpus/`, and the \
         producers' files of `tests/data/producers/`), {runs} runs each, and {} damaged or \
         unusual files, once each; every reading through a `hirekey extract` worker.\n",
        resumes.len(),
        resumes.iter().filter(|r| r.0.starts_with("r-")).count(),
        damaged.len()
    );
    let _ = writeln!(
        md,
        "| engine | resumes passed | pass rate | median ms | p99 ms | damaged files answered in 5 s | failing resumes |\n\
         |---|---:|---:|---:|---:|---:|---|"
    );
    for (label, engine) in READERS {
        let (mut passed, mut ms, mut failing) = (0, Vec::new(), Vec::new());
        for (file, expect, bytes) in &resumes {
            let mut text = String::new();
            for _ in 0..runs {
                let started = Instant::now();
                let result = read(engine, bytes.clone()).await;
                ms.push(started.elapsed().as_secs_f64() * 1000.0);
                text = result
                    .map(|e| manifest::collapse(&e.text))
                    .unwrap_or_default();
            }
            if expect.iter().all(|w| text.contains(&manifest::collapse(w))) {
                passed += 1;
            } else {
                failing.push(file.as_str());
            }
        }
        let mut answered = 0;
        for (_, bytes) in &damaged {
            let started = Instant::now();
            let _ = read(engine, bytes.clone()).await;
            if started.elapsed().as_secs_f64() < 5.0 {
                answered += 1;
            }
        }
        ms.sort_by(f64::total_cmp);
        let _ = writeln!(
            md,
            "| {label} | {passed}/{} | {:.0}% | {:.2} | {:.2} | {answered}/{} | {} |",
            resumes.len(),
            100.0 * passed as f64 / resumes.len().max(1) as f64,
            percentile(&ms, 0.5),
            percentile(&ms, 0.99),
            damaged.len(),
            if failing.is_empty() {
                "none".to_owned()
            } else {
                failing.join(", ")
            }
        );
    }
    md.push('\n');
    md
}
