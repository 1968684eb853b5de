#!/usr/bin/env bash
# Reproduce the open-extractor anchors (accuracy + single-thread speed).
#
#   bash run.sh            # everything: setup, build, extract, score, metadata
#
# Environment (all optional):
#   DATA_ROOT   /work/shared/data/extraction  (holds aeb-dev/ and wcxb-dev-articles/)
#   SCORER      /work/shared/tools/extraction_score.py
#   OUT         ./results                     (predictions, timings, scores)
#   VENV        ./venv                        (Python venv, created if missing)
#   RUNS        2                             (timed passes over each set)
#   EXTRACTORS  "trafilatura readability dom_smoothie rs-trafilatura trafilatura-rs"
#   CARGO_TARGET_DIR  ./rust/target
#   SKIP_SETUP=1 to reuse an existing venv and release build.
#
# Each timing is one process, one thread, all pages decompressed in memory
# first; only the extraction loop is timed. Run on a quiet machine if you can.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA_ROOT="${DATA_ROOT:-/work/shared/data/extraction}"
SCORER="${SCORER:-/work/shared/tools/extraction_score.py}"
OUT="${OUT:-$HERE/results}"
VENV="${VENV:-$HERE/venv}"
RUNS="${RUNS:-2}"
EXTRACTORS="${EXTRACTORS:-trafilatura readability dom_smoothie rs-trafilatura trafilatura-rs}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HERE/rust/target}"
export DATA_ROOT

# Keep numeric libraries and rayon (if any) on one thread.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 RAYON_NUM_THREADS=1

if [[ "${SKIP_SETUP:-0}" != 1 ]]; then
  [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q -U pip
  "$VENV/bin/pip" install -q -r "$HERE/requirements.txt"
  (cd "$HERE/rust" && cargo build --release --locked -j 1)
fi
PY="$VENV/bin/python"
BIN="$CARGO_TARGET_DIR/release/anchors"
mkdir -p "$OUT"

declare -A HTML GT
HTML[aeb]="$DATA_ROOT/aeb-dev/html"
GT[aeb]="$DATA_ROOT/aeb-dev/ground-truth.json"
HTML[wcxb]="$DATA_ROOT/wcxb-dev-articles/html"
GT[wcxb]="$DATA_ROOT/wcxb-dev-articles/ground-truth-scrapinghub-format.json"

for set in aeb wcxb; do
  for ex in $EXTRACTORS; do
    pred="$OUT/$set-$ex.json"
    case "$ex" in
      trafilatura|readability)
        "$PY" "$HERE/anchors.py" extract --extractor "$ex" --html-dir "${HTML[$set]}" \
          --gt "${GT[$set]}" --out "$pred" --runs "$RUNS" ;;
      *)
        "$BIN" "$ex" --html-dir "${HTML[$set]}" --gt "${GT[$set]}" --out "$pred" --runs "$RUNS" ;;
    esac | tee "$OUT/$set-$ex.timing.json"
  done
  preds=()
  for ex in $EXTRACTORS; do preds+=("$OUT/$set-$ex.json"); done
  python3 "$SCORER" "${GT[$set]}" "${preds[@]}" --json "$OUT/$set-scores.json" | tee "$OUT/$set-scores.txt"
done

"$PY" "$HERE/anchors.py" metadata --per-page "$OUT/wcxb-trafilatura-metadata.per-page.json" \
  | tee "$OUT/wcxb-trafilatura-metadata.json"

"$PY" "$HERE/summarize.py" "$OUT" | tee "$OUT/summary.md"
