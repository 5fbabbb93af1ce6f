#!/usr/bin/env bash
# `make bench`: every performance budget of DESIGN.md ("Performance budgets"). One section per
# measure: each runs its harness, which writes a Markdown report to target/bench/<name>.md; the
# reports are printed together at the end, then one table of every budget beside its figure.
# HIREKEY_BENCH_QUICK=1 runs short smoke versions (not measurements).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

TARGET_DIR=target
BENCH_DIR="$TARGET_DIR/bench"
# The benches build in a target directory of their own: sharing target/ with `make build` would
# rebuild the whole release server each way, and replace the site's binary with one built
# without cargo-leptos's settings. The load test runs the binary `make build` made.
export CARGO_TARGET_DIR="$PWD/target/bench-build"
export HIREKEY_BENCH_REPORTS="$PWD/$BENCH_DIR"
export HIREKEY_BIN="$PWD/target/release/hirekey"
REPORTS=()
mkdir -p "$BENCH_DIR"

section() {
    printf '\n==== %s ====\n' "$1"
}

# --- LiteLLM's proxy, pinned, in a virtual environment under target/ (for the comparison) ---
LITELLM_VERSION=1.100.5
VENV="$TARGET_DIR/litellm-venv"
section "LiteLLM $LITELLM_VERSION (virtual environment in $VENV)"
if [ ! -x "$VENV/bin/litellm" ] || ! "$VENV/bin/pip" show litellm 2>/dev/null | grep -q "^Version: $LITELLM_VERSION$"; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "litellm[proxy]==$LITELLM_VERSION" "brotli>=1.1" \
        || echo "warning: LiteLLM could not be installed; its comparison is skipped"
fi
if [ -x "$VENV/bin/litellm" ]; then
    export HIREKEY_LITELLM="$PWD/$VENV/bin/litellm"
fi

# --- The Profile page in Chromium: server-rendered, hydrated and accepting input ---
# end2end/bench/profile-load.spec.ts against the release build `make bench` just made.
section "Profile page load (Playwright, end2end/bench.config.ts)"
if [ -x /usr/bin/chromium ] && [ -d end2end/node_modules ]; then
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npx playwright test --config bench.config.ts)
else
    printf '| measure | budget | result | verdict |\n|---|---|---|---|\n| Profile page usable | < 1000 ms | not measured (no Chromium or end2end packages; run make setup) | SKIPPED |\n' > "$BENCH_DIR/profile.md"
fi
REPORTS+=("$BENCH_DIR/profile.md")

# --- AI-call overhead vs the mock provider (and vs LiteLLM), settings GET throughput ---
# server/benches/overhead.rs; HIREKEY_BENCH_QUICK=1 runs 10x fewer requests.
section "AI-call overhead, LiteLLM comparison, settings throughput (cargo bench -p server --bench overhead)"
cargo bench -p server --bench overhead
REPORTS+=("$BENCH_DIR/overhead.md")

# --- Workspaces and the team key: added to an AI call over the personal-key path ---
# server/benches/teams.rs, on SQLite and (where it is running) PostgreSQL.
section "Workspaces and the team key (cargo bench -p server --bench teams)"
cargo bench -p server --bench teams
REPORTS+=("$BENCH_DIR/teams.md")

# --- Costs and budgets: the usage summary at 1,000,000 rows, a budget's check on each call ---
# server/benches/costs.rs, on SQLite and (where it is running) PostgreSQL.
section "Costs and budgets (cargo bench -p server --bench costs)"
cargo bench -p server --bench costs
REPORTS+=("$BENCH_DIR/costs.md")

# --- The hiring loop: a job with 10,000 applications among 100,000 candidates ---
# server/benches/hiring.rs, on SQLite and (where it is running) PostgreSQL: each column's first
# page of the board and a stage move, p95.
section "The hiring loop's board (cargo bench -p server --bench hiring)"
cargo bench -p server --bench hiring
REPORTS+=("$BENCH_DIR/hiring.md")

# --- AI screening: a run of 1,000 applications, and Hirekey's own work per application ---
# server/benches/screening.rs, on SQLite and (where it is running) PostgreSQL.
section "AI screening (cargo bench -p server --bench screening)"
cargo bench -p server --bench screening
REPORTS+=("$BENCH_DIR/screening.md")

# --- The AI-call path's tail: Hirekey pinned to one core, nginx and the load on the other ---
# server/benches/tail.rs, against the release binary `make build` made.
section "The AI-call path's tail, pinned (cargo bench -p server --bench tail)"
cargo bench -p server --bench tail
REPORTS+=("$BENCH_DIR/tail.md")

# --- PDF text extraction per page, and how fast a malformed PDF fails ---
# server/benches/extraction.rs, on the PDFs the API tests generate (server/tests/api/pdfs.rs);
# HIREKEY_BENCH_QUICK=1 runs 20 instead of 200 timed runs per file.
section "PDF text extraction (cargo bench -p server --bench extraction)"
cargo bench -p server --bench extraction
REPORTS+=("$BENCH_DIR/extraction.md")

# --- OCR of scanned resumes: a two-page scan's time, memory and settings latency at four at once ---
# server/benches/ocr.rs, against the release binary `make bench` just built.
section "OCR of scanned resumes (cargo bench -p server --bench ocr)"
cargo bench -p server --bench ocr
REPORTS+=("$BENCH_DIR/ocr.md")

# --- Server memory idle and under 200 streaming chats (a shorter run of `make loadtest`) ---
section "Server memory (cargo bench -p server --bench loadtest)"
if [ "${HIREKEY_BENCH_QUICK:-}" = 1 ]; then secs=10; else secs=20; fi
HIREKEY_LOADTEST_SECS="${HIREKEY_LOADTEST_SECS:-$secs}" cargo bench -p server --bench loadtest
REPORTS+=("$BENCH_DIR/loadtest.md")

# --- Candidates at scale: list, search and AI retrieval at 10,000 and 100,000 candidates ---
# server/benches/scale.rs: fresh SQLite and PostgreSQL databases (PostgreSQL when reachable)
# filled by bulk insert; HIREKEY_BENCH_QUICK=1 uses 2,000 candidates and a few requests.
section "Candidates at scale (cargo bench -p server --bench scale)"
cargo bench -p server --bench scale
REPORTS+=("$BENCH_DIR/scale.md")

# --- Change notifications across instances: change on A → cache dropped on B, p50/p99 ---
# server/benches/notify.rs: two instances on one fresh PostgreSQL database (skipped without it),
# 200 key replacements (20 with HIREKEY_BENCH_QUICK=1).
section "Change notifications across instances (cargo bench -p server --bench notify)"
cargo bench -p server --bench notify
REPORTS+=("$BENCH_DIR/notify.md")

# --- Several instances behind nginx: the balancer's added latency, analyses per second ---
# server/benches/cluster.rs: the release binary ($HIREKEY_BIN) twice on one fresh PostgreSQL
# database behind nginx (scripts/nginx-cluster.conf.template), skipped without PostgreSQL or
# nginx; 300 AI calls per target and 100 uploads per setting (5x fewer with HIREKEY_BENCH_QUICK=1).
section "Several instances behind nginx (cargo bench -p server --bench cluster)"
cargo bench -p server --bench cluster
REPORTS+=("$BENCH_DIR/cluster.md")

# --- WASM per page, brotli-compressed (quality 11, as the server sends it precompressed) ---
# end2end/tests/wasm-budget.spec.ts loads each page from a cold cache in Chromium and adds up
# every .wasm file it fetches (the main module and the page's own file).
section "WASM per page (Playwright, end2end/tests/wasm-budget.spec.ts)"
{
    echo "## WASM per page"
    echo
    echo "| measure | budget | result | verdict |"
    echo "|---|---|---|---|"
    if [ -x /usr/bin/chromium ] && [ -d end2end/node_modules ] \
        && (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npx playwright test wasm-budget >/dev/null 2>&1 || true) \
        && [ -f end2end/artifacts/wasm-sizes.json ]; then
        node -e '
            const sizes = require("./end2end/artifacts/wasm-sizes.json");
            for (const [page, m] of Object.entries(sizes)) {
              const budget = page === "/login" || page === "/register" ? 150 : 300;
              const verdict = m.brotli_kb <= budget ? "PASS" : "**MISSED**";
              console.log(`| WASM for ${page}, brotli | < ${budget} KB | ${m.brotli_kb} KB in ${m.files.length} files | ${verdict} |`);
            }'
    else
        echo "| WASM per page, brotli | < 300 KB (/login < 150 KB) | not measured (no Chromium or end2end packages) | SKIPPED |"
    fi
} > "$BENCH_DIR/wasm.md"
REPORTS+=("$BENCH_DIR/wasm.md")

section "Report"
for report in "${REPORTS[@]}"; do
    cat "$report"
    echo
done

# One table: every budget row of every report.
section "Budgets"
{
    echo "| measure | budget | result | verdict |"
    echo "|---|---|---|---|"
    for report in "${REPORTS[@]}"; do
        awk '/^\| measure \| budget \|/ {on=1; next} on && /^\|---/ {next} on && /^\|/ {print; next} {on=0}' "$report"
    done
} | tee "$BENCH_DIR/budgets.md"
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(date -u +%Y-%m-%d)."
