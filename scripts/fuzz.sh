#!/usr/bin/env bash
# `make fuzz`: each cargo-fuzz target in fuzz/ for a bounded time (HIREKEY_FUZZ_SECS, default 60
# per target), seeded from fuzz/seeds/<target>. A crash stops the run with the input saved under
# fuzz/artifacts/<target>/; turn it into a regression test before fixing it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

SECS="${HIREKEY_FUZZ_SECS:-60}"
CARGO_FUZZ_VERSION=0.12.0
TARGETS=(key_format sse_parser analysis_json pdf_extract extract_worker)
# The PDF targets also start from the real-world corpus and the producers' resumes: the
# in-process target from the resumes (its parser runs without the worker's limits, where a
# nesting bomb overflows the stack by design), the worker target from every file.
extra_seeds() {
    case "$1" in
        pdf_extract) ls ../server/tests/data/corpus/r-*.pdf ../server/tests/data/producers/p-*.pdf ;;
        extract_worker) ls ../server/tests/data/corpus/*.pdf ../server/tests/data/producers/p-*.pdf ;;
    esac
}

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# cargo-fuzz needs a nightly toolchain for the sanitizer and coverage flags.
if ! rustup toolchain list | grep -q '^nightly'; then
    say "Installing the nightly toolchain (for cargo-fuzz)"
    rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
    say "Installing cargo-fuzz $CARGO_FUZZ_VERSION"
    # Built with the stable toolchain: its pinned dependencies predate today's nightly.
    cargo "+$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)" install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

report=()
for target in "${TARGETS[@]}"; do
    say "Fuzzing $target for ${SECS}s"
    corpus="target/fuzz/corpus/$target"
    mkdir -p "$corpus"
    (cd fuzz && extra_seeds "$target" | while read -r seed; do cp -n "$seed" "../$corpus/"; done)
    log="target/fuzz/$target.log"
    status=ok
    (cd fuzz && cargo +nightly fuzz run --target-dir ../target/fuzz/build "$target" \
        "../$corpus" "seeds/$target" -- \
        -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1) \
        >"$log" 2>&1 || status=CRASH
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)
    report+=("| $target | ${SECS}s | ${runs:-?} | $status |")
    if [ "$status" != ok ]; then
        tail -n 40 "$log"
    fi
done

printf '\n| target | time | inputs run | result |\n|---|---|---:|---|\n'
printf '%s\n' "${report[@]}"
if printf '%s\n' "${report[@]}" | grep -q CRASH; then
    echo "A target crashed: the input is in fuzz/artifacts/; see target/fuzz/<target>.log" >&2
    exit 1
fi
