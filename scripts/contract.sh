#!/usr/bin/env bash
# The API contract under a fuzzer: schemathesis (pinned, in target/schemathesis-venv) generates
# requests from /api/openapi.json and checks every answer against the document, against the
# release binary on a fresh SQLite database (and PostgreSQL when HIREKEY_CONTRACT_POSTGRES_URL
# names a database it may drop and recreate), with the mock provider standing in for Groq.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
VENV=target/schemathesis-venv
SEED=${HIREKEY_CONTRACT_SEED:-20261129}
MAX_EXAMPLES=${HIREKEY_CONTRACT_EXAMPLES:-25}

if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

run_against() {
  local database_url=$1 label=$2
  local work mock_port app_port mock_pid app_pid
  work=$(mktemp -d)
  mock_port=$(free_port)
  app_port=$(free_port)
  ./target/release/mock-provider --host 127.0.0.1 --port "$mock_port" >"$work/mock.log" 2>&1 &
  mock_pid=$!
  local mock="http://127.0.0.1:$mock_port"
  env HIREKEY_DATA_DIR="$work/data" DATABASE_URL="$database_url" \
    LEPTOS_SITE_ADDR="127.0.0.1:$app_port" LEPTOS_SITE_ROOT=target/site \
    HIREKEY_REGISTRATION=open \
    HIREKEY_GROQ_BASE_URL="$mock/openai/v1" HIREKEY_OPENROUTER_BASE_URL="$mock/api/v1" \
    HIREKEY_DEEPSEEK_BASE_URL="$mock" HIREKEY_OPENAI_BASE_URL="$mock" \
    AI_PROVIDER=groq GROQ_API_KEY=gsk_contractsystemkey000000000000000000000000000000000 \
    GROQ_API_URL="$mock/openai/v1/chat/completions" \
    HIREKEY_PROVIDER_TIMEOUT_SECS=5 RUST_LOG=warn \
    ./target/release/hirekey serve >"$work/server.log" 2>&1 &
  app_pid=$!
  # shellcheck disable=SC2064
  trap "kill $app_pid $mock_pid 2>/dev/null || true; rm -rf '$work'" RETURN
  local base="http://127.0.0.1:$app_port"
  for _ in $(seq 1 100); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  local token
  token=$(curl -fsS -X POST "$base/api/v1/auth/register" -H 'content-type: application/json' \
    -d '{"email":"contract@example.com","password":"contract-password-1","name":"Contract"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  echo "==> schemathesis ($label): seed $SEED, at most $MAX_EXAMPLES examples per operation"
  local status=0
  "$VENV/bin/schemathesis" run "$base/api/openapi.json" \
    --header "Authorization: Bearer $token" \
    --header "Origin: $base" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection,ignored_auth \
    --seed "$SEED" --max-examples "$MAX_EXAMPLES" --workers 1 \
    --phases examples,coverage,fuzzing \
    --request-timeout 20 \
    `# The two routes that end every session of the caller would end the fuzzer's own` \
    `# session mid-run; tests/api/auth.rs covers them.` \
    --exclude-path /api/v1/auth/logout-all \
    --exclude-path /api/v1/auth/password \
    --suppress-health-check all \
    --report junit --report-dir "target/contract/$label" || status=$?
  if grep -q "panicked" "$work/server.log"; then
    echo "the server panicked:" >&2
    grep -A3 panicked "$work/server.log" >&2
    status=1
  fi
  kill -0 "$app_pid" 2>/dev/null || { echo "the server died" >&2; status=1; }
  return $status
}

mkdir -p target/contract
status=0
sqlite_dir=$(mktemp -d)
run_against "sqlite://$sqlite_dir/contract.db?mode=rwc" sqlite || status=1
rm -rf "$sqlite_dir"

# PostgreSQL too, on a fresh database, when a server answers at 127.0.0.1:5432 (required when
# CI=true, as for the integration tests).
pg_admin=${HIREKEY_CONTRACT_POSTGRES_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
if command -v psql >/dev/null && psql "$pg_admin" -qAtc 'select 1' >/dev/null 2>&1; then
  db="hirekey_contract_$$"
  psql "$pg_admin" -qc "create database $db" >/dev/null
  run_against "${pg_admin%/*}/$db" postgres || status=1
  psql "$pg_admin" -qc "drop database if exists $db with (force)" >/dev/null || true
elif [ "${CI:-}" = true ]; then
  echo "PostgreSQL is not reachable at 127.0.0.1:5432, and CI=true requires it" >&2
  status=1
else
  echo "==> PostgreSQL not reachable: the contract run covered SQLite only"
fi
exit $status
