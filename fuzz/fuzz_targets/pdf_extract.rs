//! Any bytes as an uploaded PDF through the extraction wrapper the upload uses: it answers
//! text or an extraction error, never a panic or a hang. Seeded with the test PDFs
//! (`fuzz/seeds/pdf_extract`).
//!
//! pdf-extract itself panics on some damaged files; the wrapper catches that on its worker
//! thread (regression: `resumes::fuzzer_found_pdfs_are_refused_cleanly`). libfuzzer-sys'
//! panic hook would abort on those caught panics too, so the target puts back a quiet hook:
//! a panic that escapes the wrapper still aborts the run, as the fuzz target's own
//! `catch_unwind` sees it.
#![no_main]

use std::sync::{Once, OnceLock};

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use server::services::extract::{extract_text, DocumentKind};

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap_or_else(|e| panic!("runtime: {e}"))
    })
}

fuzz_target!(|bytes: &[u8]| {
    static QUIET_HOOK: Once = Once::new();
    QUIET_HOOK.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let _ = runtime().block_on(extract_text(DocumentKind::Pdf, Bytes::copy_from_slice(bytes)));
});
