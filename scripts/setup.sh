#!/usr/bin/env bash
# Installs what Hirekey needs, from the project's own pins: `setup.sh run` (the default, what
# `make run` calls) only what building and running need; `setup.sh test` (what `make test`
# calls) also what the tests drive: Chromium, fonts, nginx, the Playwright packages and
# schemathesis. Every step is skipped when already done, so a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-run}
case "$MODE" in
  run | test) ;;
  *) echo "usage: $0 [run|test]" >&2; exit 2 ;;
esac

TOOLCHAIN=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
CARGO_LEPTOS_VERSION=0.3.11
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' Cargo.toml)
BINARYEN_VERSION=132
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

command -v rustup >/dev/null || { echo "rustup is required: https://rustup.rs" >&2; exit 1; }

if ! rustup toolchain list | grep -q "^$TOOLCHAIN"; then
  say "Installing Rust $TOOLCHAIN"
  rustup toolchain install "$TOOLCHAIN" --profile minimal --component rustfmt,clippy
fi
if ! rustup target list --installed --toolchain "$TOOLCHAIN" | grep -q '^wasm32-unknown-unknown$'; then
  say "Adding the wasm32 target"
  rustup target add wasm32-unknown-unknown --toolchain "$TOOLCHAIN"
fi
# Build tools are built unoptimised (opt-level 0), without link-time optimisation and with
# parallel code generation: a first `make run` pays for compiling them, and their own release
# profiles (cargo-leptos: `lto = true`, one codegen unit, opt-level 3) compile several times
# longer for no time a build notices. Measured on 2 cores: cargo-leptos 4 min 2 s instead of
# 11 min 35 s, wasm-bindgen-cli 55 s instead of about 2 min; `cargo leptos build --release
# --split` with nothing to compile took 2 min 3 s with the unoptimised tools and 2 min 0 s with
# optimised ones (its time is rustc's and wasm-opt's).
TOOL_PROFILE=(env CARGO_PROFILE_RELEASE_OPT_LEVEL=0 CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_DEBUG=false)
if ! cargo-leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  say "Installing cargo-leptos $CARGO_LEPTOS_VERSION (several minutes, once)"
  "${TOOL_PROFILE[@]}" cargo "+$TOOLCHAIN" install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  say "Installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  "${TOOL_PROFILE[@]}" cargo "+$TOOLCHAIN" install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi
command -v npm >/dev/null || { echo "Node.js and npm are required" >&2; exit 1; }
# wasm-merge, from the same package, joins each page's WASM chunks into one file (scripts/merge-routes.mjs).
if ! wasm-opt --version 2>/dev/null | grep -q "version $BINARYEN_VERSION" \
  || ! wasm-merge --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
  # Debian's binaryen is too old: the build passes but the page fails to hydrate.
  say "Installing wasm-opt (binaryen $BINARYEN_VERSION)"
  npm install -g "binaryen@$BINARYEN_VERSION" --no-audit --no-fund
fi
# OCR of scanned and photographed resumes: Tesseract 5 with its language packs (English, German,
# French, Spanish, Portuguese, Italian, Dutch, Simplified Chinese, Japanese, and the script
# detector) and poppler's pdftoppm and pdfinfo, from Debian's packages. Without them Hirekey
# runs and refuses scans with a clear message, so a machine without apt is only warned.
OCR_LANGS="eng deu fra spa por ita nld chi-sim jpn osd"
OCR_PACKAGES=""
for pkg in tesseract-ocr poppler-utils $(printf 'tesseract-ocr-%s ' $OCR_LANGS); do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    OCR_PACKAGES="$OCR_PACKAGES $pkg"
  fi
done
if [ -n "$OCR_PACKAGES" ]; then
  if command -v apt-get >/dev/null; then
    say "Installing OCR:$OCR_PACKAGES (Debian packages)"
    # shellcheck disable=SC2086 # one word per package
    as_root apt-get -o DPkg::Lock::Timeout=600 update -qq \
      && as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $OCR_PACKAGES \
      || echo "warning: OCR could not be installed; scanned resumes will be refused" >&2
  else
    echo "warning: install tesseract-ocr (5.x, with its language packs) and poppler-utils for OCR of scanned resumes" >&2
  fi
fi
if [ "$MODE" = run ]; then
  say "Set-up complete (what running needs; \`make test\` adds the test tools)"
  exit 0
fi
if [ "${HIREKEY_SKIP_BROWSER:-}" != 1 ] && ! command -v chromium >/dev/null; then
  say "Installing Chromium (Debian package)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi
# nginx, as the round-robin load balancer of the cluster test (server/tests/api/cluster.rs),
# `make cluster` and the cluster benchmark. Only the binary is used: each of them starts its own
# nginx with its own configuration, so no system service is enabled or started.
if ! nginx -v >/dev/null 2>&1 && ! /usr/sbin/nginx -v >/dev/null 2>&1; then
  say "Installing nginx (Debian package; the binary only, no service is started)"
  as_root apt-get -o DPkg::Lock::Timeout=600 update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends nginx
  # Debian's package enables and starts its service where systemd runs; Hirekey starts its own.
  if [ -d /run/systemd/system ]; then
    as_root systemctl disable --now nginx >/dev/null 2>&1 || true
  fi
fi
# Emoji and CJK fonts, so the browser (and the tests' screenshots) show what users see: the
# buttons' emoji and candidates' CJK names instead of empty boxes.
if [ "${HIREKEY_SKIP_BROWSER:-}" != 1 ]; then
  FONT_PACKAGES=""
  for pkg in fonts-noto-color-emoji fonts-noto-cjk; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      FONT_PACKAGES="$FONT_PACKAGES $pkg"
    fi
  done
  if [ -n "$FONT_PACKAGES" ]; then
    say "Installing fonts:$FONT_PACKAGES (Debian packages)"
    as_root apt-get update -qq
    # shellcheck disable=SC2086 # one word per package
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $FONT_PACKAGES
  fi
fi
if [ ! -d end2end/node_modules/@playwright/test ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  say "Installing the end-to-end test packages"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi
# schemathesis drives the API contract test (scripts/contract.sh), pinned, in its own venv.
SCHEMATHESIS_VERSION=4.32.5
if ! target/schemathesis-venv/bin/schemathesis --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  say "Installing schemathesis $SCHEMATHESIS_VERSION"
  if ! python3 -m venv target/schemathesis-venv 2>/dev/null; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
    python3 -m venv target/schemathesis-venv
  fi
  target/schemathesis-venv/bin/pip install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
fi
say "Set-up complete"
