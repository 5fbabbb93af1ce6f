//! Hostile PDFs written here byte by byte: objects nested 300,000 deep (in the trailer, in a
//! font dictionary, in a content stream) and 1 GiB decompression bombs, four at once. Each is
//! its own upload's problem: a clean 4xx for it, and the server keeps serving everyone else.
//! Parsing happens in worker processes (`services/extract/worker.rs`), which is what this
//! proves from the outside.
use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use flate2::{Compress, Compression, FlushCompress};
use reqwest::StatusCode;

use crate::db_test;
use crate::helpers::*;

const DEPTH: usize = 300_000;

/// A PDF from object bodies (object `i + 1` is `objects[i]`) with a correct xref table.
fn assemble(objects: &[Vec<u8>], trailer_extra: &[u8]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R", objects.len() + 1).as_bytes(),
    );
    out.extend_from_slice(trailer_extra);
    out.extend_from_slice(format!(" >>\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    out
}

fn stream(dict_extra: &str, content: &[u8]) -> Vec<u8> {
    let mut out = format!("<< /Length {}{dict_extra} >>\nstream\n", content.len()).into_bytes();
    out.extend_from_slice(content);
    out.extend_from_slice(b"\nendstream");
    out
}

/// `[` × depth then `]` × depth.
fn nested(depth: usize) -> Vec<u8> {
    let mut out = vec![b'['; depth];
    out.extend(std::iter::repeat_n(b']', depth));
    out
}

const TEXT: &[u8] = b"BT /F1 12 Tf 72 720 Td (Jane Doe) Tj 0 -16 Td (Rust, Python) Tj ET";
const FONT: &[u8] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>";

/// A one-page resume: catalog, pages, page, `content` (a stream body), `font`, then `extra`.
fn one_page(content: Vec<u8>, font: Vec<u8>, extra: Vec<Vec<u8>>, trailer_extra: &[u8]) -> Vec<u8> {
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        [
            &b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"[..],
            b" /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        ]
        .concat(),
        content,
        font,
    ];
    objects.extend(extra);
    assemble(&objects, trailer_extra)
}

fn nested_in_trailer() -> Vec<u8> {
    let mut extra = b" /Deep ".to_vec();
    extra.extend(nested(DEPTH));
    one_page(stream("", TEXT), FONT.to_vec(), Vec::new(), &extra)
}

fn nested_in_font() -> Vec<u8> {
    let mut font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Deep ".to_vec();
    font.extend(nested(DEPTH));
    font.extend_from_slice(b" >>");
    one_page(stream("", TEXT), font, Vec::new(), b"")
}

fn nested_in_content() -> Vec<u8> {
    let mut content = TEXT.to_vec();
    content.extend_from_slice(b"\nBT /F1 12 Tf 72 600 Td ");
    content.extend(nested(DEPTH));
    content.extend_from_slice(b" TJ ET");
    one_page(stream("", &content), FONT.to_vec(), Vec::new(), b"")
}

/// A zlib stream of `mib` MiB of zeros, about 1 KB per MiB: one MiB compressed with a full
/// flush (which resets the compressor, so every further MiB compresses to the same bytes),
/// repeated, then an empty final block and the Adler-32 of it all.
fn zeros_zlib(mib: usize) -> Vec<u8> {
    const CHUNK: usize = 1 << 20;
    let zeros = vec![0u8; CHUNK];
    let mut compress = Compress::new(Compression::best(), true);
    let mut chunk = || {
        let mut out = Vec::with_capacity(64 * 1024);
        let before = compress.total_in();
        compress
            .compress_vec(&zeros, &mut out, FlushCompress::Full)
            .unwrap();
        assert_eq!(compress.total_in() - before, CHUNK as u64);
        out
    };
    let first = chunk();
    let repeated = chunk();
    assert_eq!(
        chunk(),
        repeated,
        "a full flush makes every MiB the same bytes"
    );
    let mut out = first;
    for _ in 1..mib {
        out.extend_from_slice(&repeated);
    }
    // An empty final block with fixed codes, then Adler-32 (a stays 1 over zeros).
    out.extend_from_slice(&[0x03, 0x00]);
    let b = ((mib * CHUNK) % 65_521) as u32;
    out.extend_from_slice(&((b << 16) | 1).to_be_bytes());
    out
}

/// A page whose content stream inflates to 1 GiB of zeros.
fn content_bomb() -> Vec<u8> {
    one_page(
        stream(" /Filter /FlateDecode", &zeros_zlib(1024)),
        FONT.to_vec(),
        Vec::new(),
        b"",
    )
}

async fn assert_healthy(app: &TestApp, after: &str) {
    let res = app
        .http
        .get(format!("{}/healthz", app.url))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap_or_else(|e| panic!("after {after}: the server does not answer: {e}"));
    assert_eq!(res.status(), StatusCode::OK, "after {after}: /healthz");
}

fn assert_clean_refusal(r: &Response, what: &str) {
    assert!(
        r.status.is_client_error(),
        "{what}: {} {}",
        r.status,
        r.text
    );
    assert!(
        r.body["error"].is_string() && r.body["message"].is_string(),
        "{what}: not a JSON error: {}",
        r.text
    );
}

#[test]
fn the_zlib_bomb_is_what_it_claims() {
    use std::io::Read;
    let small = zeros_zlib(4);
    let mut inflated = Vec::new();
    flate2::read::ZlibDecoder::new(small.as_slice())
        .read_to_end(&mut inflated)
        .unwrap();
    assert_eq!(inflated.len(), 4 << 20);
    assert!(inflated.iter().all(|&b| b == 0));
    let bomb = content_bomb();
    assert!(
        bomb.len() < 2 << 20,
        "the 1 GiB bomb is small: {}",
        bomb.len()
    );
}

db_test!(
    objects_nested_300000_deep_are_refused_and_the_server_lives,
    |app: TestApp| async move {
        let token = app.register("nested@example.com").await;
        for (what, bytes) in [
            ("nested in the trailer", nested_in_trailer()),
            ("nested in a font dictionary", nested_in_font()),
            ("nested in a content stream", nested_in_content()),
        ] {
            let started = Instant::now();
            let r = upload(&app, &token, "deep.pdf", "application/pdf", bytes).await;
            eprintln!(
                "{what}: {} in {} ms: {}",
                r.status,
                started.elapsed().as_millis(),
                r.text
            );
            assert_clean_refusal(&r, what);
            assert_healthy(&app, what).await;
        }
        let list = app.get("/api/v1/candidates", &token).await;
        assert_eq!(list.body["total"], 0, "nothing half-stored: {}", list.text);
        // The server still reads a good file.
        let good = one_page(stream("", TEXT), FONT.to_vec(), Vec::new(), b"");
        let r = upload(&app, &token, "good.pdf", "application/pdf", good).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
);

/// Resident memory of a process, in KiB.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// Resident memory of this process's children (the extraction workers), in KiB.
fn children_rss_kib(me: u32) -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    let (_, rest) = stat.rsplit_once(')')?;
                    rest.split_whitespace().nth(1)?.parse::<u32>().ok()
                })
                == Some(me)
        })
        .filter_map(rss_kib)
        .sum()
}

/// Samples this process's memory and its children's every few milliseconds until stopped:
/// (peak of this process, peak of this process plus its children), in KiB.
fn sample_memory(stop: Arc<AtomicBool>) -> std::thread::JoinHandle<(u64, u64)> {
    std::thread::spawn(move || {
        let me = std::process::id();
        let (mut server, mut total) = (0, 0);
        while !stop.load(Ordering::Relaxed) {
            let own = rss_kib(me).unwrap_or(0);
            server = server.max(own);
            total = total.max(own + children_rss_kib(me));
            std::thread::sleep(Duration::from_millis(5));
        }
        (server, total)
    })
}

/// The largest resident size any finished child of this process reached, in KiB.
fn largest_child_kib() -> u64 {
    // SAFETY: `usage` is a valid, writable rusage.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) } != 0 {
        return 0;
    }
    u64::try_from(usage.ru_maxrss).unwrap_or(0)
}

/// SQLite only: nothing of a refused bomb reaches the database, and the memory measured is
/// this test process's (the server runs in it), which a PostgreSQL copy of the same test
/// running beside it would double.
#[tokio::test]
async fn four_decompression_bombs_at_once_are_refused_while_the_server_serves() {
    let app = Spawn::new(DbKind::Sqlite).start().await.unwrap();
    let token = app.register("bombs@example.com").await;
    let bomb = content_bomb();
    let baseline = rss_kib(std::process::id()).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = sample_memory(stop.clone());

    let done = AtomicBool::new(false);
    let started = Instant::now();
    let bombs = async {
        let uploads = (0..4).map(|i| {
            let (app, token, bomb) = (&app, &token, bomb.clone());
            async move {
                upload(
                    app,
                    token,
                    &format!("bomb-{i}.pdf"),
                    "application/pdf",
                    bomb,
                )
                .await
            }
        });
        let answers = futures::future::join_all(uploads).await;
        let elapsed = started.elapsed();
        done.store(true, Ordering::Relaxed);
        (answers, elapsed)
    };
    // Settings GETs all along, from another user's point of view the same server.
    let probes = async {
        let mut latencies = Vec::new();
        loop {
            let t = Instant::now();
            let r = app.get("/api/v1/profile/ai-settings", &token).await;
            latencies.push(t.elapsed());
            assert_eq!(
                r.status,
                StatusCode::OK,
                "settings during the bombs: {}",
                r.text
            );
            if done.load(Ordering::Relaxed) {
                break latencies;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let ((answers, elapsed), latencies) = tokio::join!(bombs, probes);
    stop.store(true, Ordering::Relaxed);
    let (server_peak, total_peak) = sampler.join().unwrap();

    for (i, r) in answers.iter().enumerate() {
        assert_clean_refusal(r, &format!("bomb {i}"));
    }
    assert_healthy(&app, "the bombs").await;
    let slowest = latencies.iter().max().copied().unwrap_or_default();
    eprintln!(
        "four 1 GiB bombs ({} KiB each): answered in {} ms: {}; server RSS {} -> {} MiB peak; \
         server + workers peak {} MiB; largest finished child (a worker; in a full run also \
         another test's server binary) {} MiB; settings GET: {} probes, slowest {} ms",
        bomb.len() / 1024,
        elapsed.as_millis(),
        answers[0].text,
        baseline / 1024,
        server_peak / 1024,
        total_peak / 1024,
        largest_child_kib() / 1024,
        latencies.len(),
        slowest.as_millis()
    );
    // Generous: the server holds four 1 MB uploads; the inflating happens in the workers.
    assert!(
        server_peak.saturating_sub(baseline) < 200 * 1024,
        "the server grew by {} MiB",
        server_peak.saturating_sub(baseline) / 1024
    );
    let list = app.get("/api/v1/candidates", &token).await;
    assert_eq!(list.body["total"], 0, "{}", list.text);
}
