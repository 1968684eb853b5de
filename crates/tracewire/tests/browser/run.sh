#!/usr/bin/env bash
# Tracewire's browser tests: Debian's Chromium driven by playwright-core
# (npm) against the real `tracewire` binary on 127.0.0.1.
#
#   cargo build -p tracewire && bash crates/tracewire/tests/browser/run.sh
#
# Environment:
#   TRACEWIRE_BIN                the binary (default: $CARGO_TARGET_DIR or
#                                target, then /debug/tracewire, from the repo root)
#   TRACEWIRE_BROWSER_ARTIFACTS  where screenshots go (default: target/browser-artifacts)
#   TRACEWIRE_CHROMIUM           the browser (default: /usr/bin/chromium)
# Never downloads Playwright's own browsers.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
cd "$root"

target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
export TRACEWIRE_BIN="${TRACEWIRE_BIN:-$target_dir/debug/tracewire}"
export TRACEWIRE_BROWSER_ARTIFACTS="${TRACEWIRE_BROWSER_ARTIFACTS:-$root/target/browser-artifacts}"
export TRACEWIRE_CHROMIUM="${TRACEWIRE_CHROMIUM:-/usr/bin/chromium}"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

if [ ! -x "$TRACEWIRE_BIN" ]; then
  echo "browser tests: $TRACEWIRE_BIN is missing; build it first with: cargo build -p tracewire" >&2
  exit 1
fi

if [ ! -x "$TRACEWIRE_CHROMIUM" ]; then
  echo "== installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y chromium
fi
"$TRACEWIRE_CHROMIUM" --version 2>/dev/null || true

command -v node >/dev/null || { echo "browser tests: node (20 or later) is needed" >&2; exit 1; }
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  echo "browser tests: node $(node --version) is too old; 20 or later is needed" >&2
  exit 1
fi

cd "$here"
npm ci --no-audit --no-fund --loglevel=error

mkdir -p "$TRACEWIRE_BROWSER_ARTIFACTS"
echo "== browser tests: $TRACEWIRE_BIN; screenshots in $TRACEWIRE_BROWSER_ARTIFACTS"
node --test --test-concurrency=1 --test-force-exit --test-reporter=spec ./*.test.mjs
