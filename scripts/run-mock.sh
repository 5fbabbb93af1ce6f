#!/usr/bin/env bash
# Serves Hirekey with every provider URL pointed at the local mock provider, so each AI feature
# can be tried offline. Any key in the provider's format works (keys containing "invalid",
# "ratelimit", "fail500", "slow" or "cutstream" make the mock misbehave on purpose).
set -euo pipefail
cd "$(dirname "$0")/.."
MOCK_PORT=${MOCK_PORT:-9099}
./target/release/mock-provider --host 127.0.0.1 --port "$MOCK_PORT" &
MOCK_PID=$!
trap 'kill $MOCK_PID 2>/dev/null || true' EXIT
MOCK="http://127.0.0.1:$MOCK_PORT"
export HIREKEY_GROQ_BASE_URL="$MOCK/openai/v1"
export HIREKEY_OPENROUTER_BASE_URL="$MOCK/api/v1"
export HIREKEY_DEEPSEEK_BASE_URL="$MOCK"
export HIREKEY_OPENAI_BASE_URL="$MOCK"
export AI_PROVIDER=groq
export GROQ_API_KEY=${GROQ_API_KEY:-gsk_mocksystemkey0000000000000000000000000000000000000}
export GROQ_API_URL="$MOCK/openai/v1/chat/completions"
export HIREKEY_DATA_DIR=${HIREKEY_DATA_DIR:-./data-mock}
# Anyone may sign up on this offline playground (the default is invite-only).
export HIREKEY_REGISTRATION=${HIREKEY_REGISTRATION:-open}
./target/release/hirekey serve
