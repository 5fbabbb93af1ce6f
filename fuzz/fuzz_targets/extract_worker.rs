//! Any bytes as an uploaded PDF through the path an upload takes (`extract_document`): a
//! `hirekey extract` worker process per engine, under its limits, and the choice between the
//! engines' readings. Whatever a parser does in its worker (a crash, a stack overflow, an
//! endless loop), the server side answers text or an extraction error within the deadline:
//! a panic here or a run past libFuzzer's `-timeout` is a finding. Seeded with the real-world
//! corpus and the producers' resumes (`server/tests/data/`). The worker is the release binary,
//! `HIREKEY_EXTRACT_WORKER` or `../target/release/hirekey`.
#![no_main]

use std::sync::OnceLock;

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use server::services::extract::{extract_document, set_worker_path, DocumentKind};

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        let worker = std::env::var("HIREKEY_EXTRACT_WORKER")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target/release/hirekey").into());
        assert!(std::path::Path::new(&worker).exists(), "build the worker first: {worker}");
        set_worker_path(worker);
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    })
}

fuzz_target!(|bytes: &[u8]| {
    let bytes = Bytes::copy_from_slice(bytes);
    let _ = runtime().block_on(extract_document(DocumentKind::Pdf, bytes));
});
