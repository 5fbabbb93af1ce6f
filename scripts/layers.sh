#!/usr/bin/env bash
# The crate rules of ARCHITECTURE.md, checked on the dependency graph (make lint runs it):
#   types  - the browser build's shapes: no server crate at all;
#   core   - the services: no web framework or UI crate anywhere below it (axum, leptos), and no
#            HTTP crate of its own (http, hyper, tower, tower-http). The provider client's
#            reqwest brings http, hyper and tower-http in underneath; core's code names none
#            of their types except through reqwest, in core/src/providers.
#   app    - pages and server functions: never the REST layer (server).
set -euo pipefail
cd "$(dirname "$0")/.."

fail=0
check() {
  local crate=$1 features=$2 pattern=$3 why=$4
  local found
  # shellcheck disable=SC2086
  found=$(cargo tree -p "$crate" $features -e normal --prefix none --format '{p}' |
    awk '{print $1}' | sort -u | grep -E "$pattern" || true)
  if [ -n "$found" ]; then
    echo "layers: $crate depends on $(echo "$found" | tr '\n' ' ')- $why"
    fail=1
  else
    echo "layers: $crate ok"
  fi
}

check types "--features openapi" '^(axum|axum-core|leptos|leptos_.*|tower|tower-http|hyper|http|sea-orm|reqwest|tokio|hirekey-core|app|server)$' \
  "types must stay safe for the browser build"
check hirekey-core "" '^(axum|axum-core|leptos|leptos_.*|server_fn|app|server)$' \
  "core must not know the web framework or the UI"
check hirekey-core "--depth 1" '^(http|hyper|hyper-util|tower|tower-http)$' \
  "core takes no HTTP crate of its own (the provider client is reqwest)"
check app "--features ssr" '^(server)$' "app must not depend on the REST layer"
exit $fail
