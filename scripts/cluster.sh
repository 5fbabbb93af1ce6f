#!/usr/bin/env bash
# `make cluster`: Hirekey as a multi-instance deployment on this machine, to try. Two
# `hirekey serve` instances (127.0.0.1:3001 and :3002) on one PostgreSQL database, with one
# generated master key and JWT secret, behind nginx as a round-robin load balancer on
# 127.0.0.1:8080 (scripts/nginx-cluster.conf.template, the configuration the cluster test runs),
# and the mock provider on :9099 so every AI feature works offline. Ctrl-C stops everything.
#
# DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/hirekey_cluster (created when
# missing). CLUSTER_PORT, CLUSTER_INSTANCE_PORTS and MOCK_PORT move the ports; HIREKEY_BIN and
# MOCK_PROVIDER_BIN name other binaries than `make build`'s.
set -euo pipefail
cd "$(dirname "$0")/.."

DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/hirekey_cluster}
CLUSTER_PORT=${CLUSTER_PORT:-8080}
read -r -a INSTANCE_PORTS <<< "${CLUSTER_INSTANCE_PORTS:-3001 3002}"
MOCK_PORT=${MOCK_PORT:-9099}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
DIR="$PWD/target/cluster"
BIN=${HIREKEY_BIN:-$PWD/target/release/hirekey}
MOCK_BIN=${MOCK_PROVIDER_BIN:-$PWD/target/release/mock-provider}

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { echo "cluster: $*" >&2; exit 1; }

[ -x "$BIN" ] && [ -x "$MOCK_BIN" ] || die "run \`make build\` first (target/release/hirekey, mock-provider)"
[ -x "$NGINX" ] || die "nginx is not installed: run \`make setup\` (Debian's nginx package)"
command -v psql >/dev/null || die "psql is needed to create the database (apt-get install postgresql-client)"
case "$DATABASE_URL" in postgres://* | postgresql://*) ;; *) die "DATABASE_URL must be a PostgreSQL URL";; esac

# The database: created when missing, on the same server (through its `postgres` database).
DB_NAME=${DATABASE_URL##*/}
DB_NAME=${DB_NAME%%\?*}
SERVER_URL=${DATABASE_URL%/*}/postgres
psql "$SERVER_URL" -qtAc 'SELECT 1' >/dev/null 2>&1 \
    || die "PostgreSQL does not answer at ${DATABASE_URL%/*}: start it, or set DATABASE_URL"
if [ "$(psql "$SERVER_URL" -qtAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]; then
    say "Creating the database $DB_NAME"
    psql "$SERVER_URL" -qc "CREATE DATABASE \"$DB_NAME\"" >/dev/null
fi

mkdir -p "$DIR"
PIDS=()
stop() {
    trap - EXIT INT TERM
    say "Stopping the cluster"
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop EXIT
trap 'exit 130' INT TERM

# Shared by every instance: generated on the first run, printed once, and kept (mode 600) in
# target/cluster/secrets.env, since the master key must open the keys stored in the database.
SECRETS="$DIR/secrets.env"
if [ ! -f "$SECRETS" ]; then
    (umask 077; {
        echo "MASTER_KEY=$(head -c 32 /dev/urandom | base64)"
        echo "JWT_SECRET=$(head -c 48 /dev/urandom | base64 | tr -d '\n')"
    } > "$SECRETS")
    # shellcheck disable=SC1090
    . "$SECRETS"
    say "Generated the shared secrets (kept in target/cluster/secrets.env):"
    echo "  HIREKEY_MASTER_KEY=$MASTER_KEY"
    echo "  HIREKEY_JWT_SECRET=$JWT_SECRET"
else
    # shellcheck disable=SC1090
    . "$SECRETS"
    say "Using the shared secrets of target/cluster/secrets.env"
fi
MOCK="http://127.0.0.1:$MOCK_PORT"

say "Mock provider on $MOCK"
"$MOCK_BIN" --host 127.0.0.1 --port "$MOCK_PORT" > "$DIR/mock.log" 2>&1 &
PIDS+=($!)

UPSTREAMS=""
for i in "${!INSTANCE_PORTS[@]}"; do
    port=${INSTANCE_PORTS[$i]}
    name=instance-$((i + 1))
    mkdir -p "$DIR/$name"
    say "Hirekey $name on http://127.0.0.1:$port (log: target/cluster/$name.log)"
    env DATABASE_URL="$DATABASE_URL" \
        HIREKEY_MASTER_KEY="$MASTER_KEY" \
        HIREKEY_JWT_SECRET="$JWT_SECRET" \
        HIREKEY_DATA_DIR="$DIR/$name" \
        LEPTOS_SITE_ADDR="127.0.0.1:$port" \
        LEPTOS_SITE_ROOT="$PWD/target/site" \
        HIREKEY_TRUST_PROXY_HEADERS=true \
        HIREKEY_REGISTRATION="${HIREKEY_REGISTRATION:-open}" \
        HIREKEY_GROQ_BASE_URL="$MOCK/openai/v1" \
        HIREKEY_OPENROUTER_BASE_URL="$MOCK/api/v1" \
        HIREKEY_DEEPSEEK_BASE_URL="$MOCK" \
        HIREKEY_OPENAI_BASE_URL="$MOCK" \
        AI_PROVIDER=groq \
        GROQ_API_KEY="${GROQ_API_KEY:-gsk_mocksystemkey0000000000000000000000000000000000000}" \
        GROQ_API_URL="$MOCK/openai/v1/chat/completions" \
        "$BIN" serve > "$DIR/$name.log" 2>&1 &
    PIDS+=($!)
    UPSTREAMS+="server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n        '
done

# The balancer: the template with this run's prefix, address and instances.
NGINX_DIR="$DIR/nginx"
mkdir -p "$NGINX_DIR"
chmod 755 "$DIR" "$NGINX_DIR"
awk -v prefix="$NGINX_DIR" -v listen="127.0.0.1:$CLUSTER_PORT" -v upstreams="$UPSTREAMS" '
    { gsub(/@PREFIX@/, prefix); gsub(/@LISTEN@/, listen); sub(/@UPSTREAMS@/, upstreams); print }
' scripts/nginx-cluster.conf.template > "$NGINX_DIR/nginx.conf"
"$NGINX" -p "$NGINX_DIR" -e "$NGINX_DIR/error.log" -c "$NGINX_DIR/nginx.conf" -t -q \
    || die "nginx refused $NGINX_DIR/nginx.conf"

healthy() { curl -fs -o /dev/null --max-time 1 "$1/healthz"; }
for port in "${INSTANCE_PORTS[@]}"; do
    for _ in $(seq 1 300); do healthy "http://127.0.0.1:$port" && break; sleep 0.2; done
    healthy "http://127.0.0.1:$port" || die "the instance on :$port did not come up (see target/cluster/)"
done

say "nginx on http://127.0.0.1:$CLUSTER_PORT (config: target/cluster/nginx/nginx.conf)"
"$NGINX" -p "$NGINX_DIR" -e "$NGINX_DIR/error.log" -c "$NGINX_DIR/nginx.conf" \
    -g "daemon off; pid $NGINX_DIR/nginx.pid;" &
PIDS+=($!)
for _ in $(seq 1 50); do healthy "http://127.0.0.1:$CLUSTER_PORT" && break; sleep 0.1; done
healthy "http://127.0.0.1:$CLUSTER_PORT" || die "nginx did not come up (see target/cluster/nginx/error.log)"

cat <<EOF

Hirekey cluster: open http://127.0.0.1:$CLUSTER_PORT (sign-up is open; any Groq-format key works
against the mock provider, e.g. gsk_ followed by 52 letters and digits).

  DATABASE_URL        $DATABASE_URL
  secrets             target/cluster/secrets.env (HIREKEY_MASTER_KEY, HIREKEY_JWT_SECRET)
  instances           $(printf 'http://127.0.0.1:%s ' "${INSTANCE_PORTS[@]}")
  health              curl http://127.0.0.1:${INSTANCE_PORTS[0]}/healthz?detail=true
  logs                target/cluster/ (instance-N.log, mock.log, nginx/access.log shows upstream=)

Every instance has the same master key, JWT secret and database; stop one (kill its pid) and
nginx sends its requests to the other. Ctrl-C stops everything.
EOF

# Until Ctrl-C, or until one of the processes stops.
status=0
wait -n "${PIDS[@]}" || status=$?
[ "$status" -gt 128 ] || say "A process of the cluster stopped with status $status (see target/cluster/)"
