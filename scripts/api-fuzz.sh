#!/usr/bin/env bash
# Schemathesis against the REST API: every operation of /api/v1/openapi.json fuzzed with
# a real token on a throwaway SQLite app; fails on any 5xx. Not part of `make test`
# (minutes long, and schemathesis is a tool, not a dependency of the app).
#   scripts/api-fuzz.sh [max-examples]     (1000 ≈ 5 minutes on this machine)
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLES="${1:-1000}"
WORK="$(mktemp -d)"
PORT=5077
trap 'kill "${SERVER:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
test -x "$WORK/st/bin/schemathesis" || { python3 -m venv "$WORK/st" && "$WORK/st/bin/pip" install -q schemathesis; }
export HELPDESK_DATABASE_URL="sqlite:///$WORK/api.sqlite3" HELPDESK_DATA_DIR="$WORK/data"
export HELPDESK_SECRET_KEY="api-fuzz-secret-key-0123456789abcdef"
.venv/bin/helpdesk init-db >/dev/null
TOKEN="$(.venv/bin/helpdesk create-api-token --name api-fuzz | tail -1)"
.venv/bin/helpdesk run --host 127.0.0.1 --port "$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
"$WORK/st/bin/schemathesis" run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
  --checks not_a_server_error -H "Authorization: Bearer $TOKEN" --max-examples "$EXAMPLES"
