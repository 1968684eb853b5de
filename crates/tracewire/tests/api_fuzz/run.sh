#!/usr/bin/env bash
# Fuzzes the JSON API (/api/v1) with Schemathesis against its own OpenAPI
# document: starts `tracewire demo` on a free port, makes an API token for
# its first account, and checks that no request gets a server error, and
# that every status and body is one the document describes.
#
# Environment:
#   TRACEWIRE_BIN          the binary (default: $CARGO_TARGET_DIR or target, debug/tracewire)
#   API_FUZZ_VENV          the Python virtualenv to use or make (default: /tmp/tracewire-api-fuzz-venv)
#   API_FUZZ_MAX_EXAMPLES  test cases per operation and phase (default: 40)
#   API_FUZZ_SEED          Hypothesis seed (default: random; printed by Schemathesis)
#   API_FUZZ_MAX_TIME      seconds Schemathesis may run at most (default: 150)
# One worker: Hypothesis on Python 3.11 can trip over its own threads
# ("AST constructor recursion depth mismatch") with more.
# Exits non-zero on any failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
bin="${TRACEWIRE_BIN:-$target/debug/tracewire}"
venv="${API_FUZZ_VENV:-/tmp/tracewire-api-fuzz-venv}"
examples="${API_FUZZ_MAX_EXAMPLES:-40}"
max_time="${API_FUZZ_MAX_TIME:-150}"
python="${PYTHON:-python3}"

if [[ ! -x "$bin" ]]; then
    echo "api_fuzz: no tracewire binary at $bin (cargo build -p tracewire, or set TRACEWIRE_BIN)" >&2
    exit 2
fi

started=$(date +%s)
if [[ ! -x "$venv/bin/schemathesis" ]] || ! cmp -s "$here/requirements.txt" "$venv/.requirements.txt"; then
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
    cp "$here/requirements.txt" "$venv/.requirements.txt"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/tracewire-api-fuzz.XXXXXX")"
log="$work/demo.log"
demo_pid=""
cleanup() {
    if [[ -n "$demo_pid" ]] && kill -0 "$demo_pid" 2>/dev/null; then
        kill "$demo_pid" 2>/dev/null || true
        wait "$demo_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

TRACEWIRE_LOG="${TRACEWIRE_LOG:-warn}" "$bin" demo --listen 127.0.0.1:0 --no-crawl >"$log" 2>&1 &
demo_pid=$!

base=""
for _ in $(seq 1 240); do
    if ! kill -0 "$demo_pid" 2>/dev/null; then
        echo "api_fuzz: the demo exited before it was ready:" >&2
        cat "$log" >&2
        exit 1
    fi
    base="$(sed -n 's|^ready in .* Open \(http://127\.0\.0\.1:[0-9]*\)/.*|\1|p' "$log" | head -n 1)"
    [[ -n "$base" ]] && break
    sleep 0.5
done
if [[ -z "$base" ]]; then
    echo "api_fuzz: the demo was not ready within 120s:" >&2
    cat "$log" >&2
    exit 1
fi
data_dir="$(sed -n 's|.*demo database in \(.*\)$|\1|p' "$log" | head -n 1)"
if [[ -z "$data_dir" || ! -d "$data_dir" ]]; then
    echo "api_fuzz: cannot find the demo's data directory in its output:" >&2
    cat "$log" >&2
    exit 1
fi
token="$("$bin" --data-dir "$data_dir" users token admin --label api-fuzz 2>/dev/null | tail -n 1)"
if [[ ! "$token" =~ ^[0-9a-f]{64}$ ]]; then
    echo "api_fuzz: could not make an API token for admin" >&2
    exit 1
fi
echo "api_fuzz: demo at $base (data in $data_dir); schemathesis $("$venv/bin/pip" show schemathesis 2>/dev/null | sed -n 's/^Version: //p')"

args=(
    run "$base/api/v1/openapi.json"
    --url "$base"
    --header "Authorization: Bearer $token"
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
    --phases examples,coverage,fuzzing
    --max-examples "$examples"
    --max-time "$max_time"
    --request-timeout 30
    --workers 1
    --suppress-health-check too_slow,filter_too_much
    --report junit
    --report-dir "$work/report"
)
if [[ -n "${API_FUZZ_SEED:-}" ]]; then
    args+=(--seed "$API_FUZZ_SEED")
fi

status=0
NO_COLOR=1 "$venv/bin/schemathesis" "${args[@]}" || status=$?

if ! kill -0 "$demo_pid" 2>/dev/null; then
    echo "api_fuzz: the server died during the run:" >&2
    tail -n 50 "$log" >&2
    status=1
fi
if grep -q "panicked" "$log"; then
    echo "api_fuzz: the server panicked:" >&2
    grep -A5 "panicked" "$log" >&2
    status=1
fi
if [[ -n "${API_FUZZ_KEEP_REPORT:-}" && -d "$work/report" ]]; then
    cp -r "$work/report" "$API_FUZZ_KEEP_REPORT"
fi
echo "api_fuzz: finished in $(( $(date +%s) - started ))s, exit $status"
exit "$status"
