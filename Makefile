# Hirekey: `make run` sets up and serves the app; `make test` sets up and runs every test.
SHELL := /bin/bash
export PATH := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin:$(PATH)

.PHONY: setup setup-test build mock run run-mock cluster test test-rust test-e2e test-contract bench loadtest fuzz fmt lint clean-data

## What building and running need: the toolchain, the wasm target, cargo-leptos, wasm-bindgen, binaryen.
setup:
	./scripts/setup.sh run

## What the tests drive as well: Chromium, fonts, nginx, the Playwright packages, schemathesis.
setup-test:
	./scripts/setup.sh test

## The release server binary (target/release/hirekey) and the site (target/site).
build: setup
	rm -rf target/site/pkg target/site/hash.txt
	cargo leptos build --release --split
	node scripts/merge-routes.mjs target/site
	node scripts/precompress.mjs target/site/pkg

## The mock provider's release binary (target/release/mock-provider): `make run` does not need it;
## run-mock, the cluster, the browser and contract tests and the benchmarks do.
mock: setup
	cargo build --release -p mock-provider

run: build
	./target/release/hirekey serve

## The app wired to the local mock provider: every AI feature works offline.
run-mock: build mock
	./scripts/run-mock.sh

## Two instances on one PostgreSQL database behind nginx (127.0.0.1:8080, round robin), with the
## mock provider: the multi-instance deployment to try (README, "Deploying more than one instance").
cluster: setup-test build mock
	./scripts/cluster.sh

test: setup-test build mock lint test-rust test-e2e test-contract

## Unit and integration tests (SQLite, and PostgreSQL when reachable; required when CI=true).
test-rust: setup-test
	cargo test -p types -p hirekey-core -p server -p mock-provider -p migration -p app

## schemathesis against /api/openapi.json of the release build, on SQLite and PostgreSQL.
test-contract: setup-test
	./scripts/contract.sh

## Playwright in Debian's Chromium against the release build.
test-e2e: setup-test
	cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npx playwright test

bench: setup-test build mock
	./scripts/bench.sh

## cargo-fuzz on the key format, SSE, analysis-JSON and PDF parsers, HIREKEY_FUZZ_SECS each.
fuzz: build
	./scripts/fuzz.sh

## 200 streaming chats and 500 requests/s for 60 s (HIREKEY_LOADTEST_SECS) on loopback.
loadtest: build
	CARGO_TARGET_DIR=target/bench-build HIREKEY_BIN=$(CURDIR)/target/release/hirekey \
		cargo bench -p server --bench loadtest

fmt:
	cargo fmt --all

## Formatting, clippy with warnings denied on every crate (the server side, app with `ssr`, and
## the browser side, app with `hydrate` for wasm32), the crate rules and no import cycles.
lint: setup
	cargo fmt --all --check
	./scripts/layers.sh
	python3 scripts/cycles.py
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
