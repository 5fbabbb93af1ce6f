#!/usr/bin/env bash
# `make bench`: the performance budgets of DESIGN.md ("Performance budgets") that have a harness.
# One section per measure: each runs its harness, which writes a Markdown report to
# target/bench/<name>.md; the reports are printed together at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

BENCH_DIR="${CARGO_TARGET_DIR:-target}/bench"
REPORTS=()

section() {
    printf '\n==== %s ====\n' "$1"
}

# --- Section: AI-call overhead vs the mock provider, settings GET throughput ---
# server/benches/overhead.rs; HIREKEY_BENCH_QUICK=1 runs 10x fewer requests.
section "AI-call overhead and settings throughput (cargo bench -p server --bench overhead)"
cargo bench -p server --bench overhead
REPORTS+=("$BENCH_DIR/overhead.md")

# --- Section: PDF text extraction per page, and how fast a malformed PDF fails ---
# server/benches/extraction.rs, on the PDFs the API tests generate (server/tests/api/pdfs.rs);
# HIREKEY_BENCH_QUICK=1 runs 20 instead of 200 timed runs per file.
section "PDF text extraction (cargo bench -p server --bench extraction)"
cargo bench -p server --bench extraction
REPORTS+=("$BENCH_DIR/extraction.md")

# --- Further sections go here (LiteLLM comparison, WASM size, ...) ---

section "Report"
for report in "${REPORTS[@]}"; do
    cat "$report"
    echo
done
