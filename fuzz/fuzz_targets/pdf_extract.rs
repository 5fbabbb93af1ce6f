//! Any bytes as an uploaded PDF through the parsing code the extraction worker runs
//! (`extract_in_process`): it answers text or an extraction error, never a panic or a hang.
//! Seeded with the test PDFs (`fuzz/seeds/pdf_extract`).
//!
//! In the server this runs in a worker process under hard limits, so a crash there costs one
//! upload; here any crash is a finding. pdf-extract panics on some damaged files and the
//! parsing code catches that; libfuzzer-sys' panic hook would abort on those caught panics too,
//! so the target puts back a quiet hook: a panic that escapes still aborts the run.
#![no_main]

use std::sync::Once;

use libfuzzer_sys::fuzz_target;
use server::services::extract::{extract_in_process, DocumentKind};

fuzz_target!(|bytes: &[u8]| {
    static QUIET_HOOK: Once = Once::new();
    QUIET_HOOK.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let _ = extract_in_process(DocumentKind::Pdf, bytes);
});
