#!/usr/bin/env python3
"""Print a Markdown table from the files run.sh leaves in its results folder.

Usage: summarize.py RESULTS_DIR [--cargo-lock rust/Cargo.lock]
"""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

CRATE = {"dom_smoothie": "dom_smoothie", "rs-trafilatura": "rs-trafilatura", "trafilatura-rs": "trafilatura"}
SETS = ("aeb", "wcxb")


def lock_versions(lock: Path) -> dict[str, str]:
    if not lock.exists():
        return {}
    text = lock.read_text(encoding="utf8")
    return dict(re.findall(r'\[\[package\]\]\nname = "([^"]+)"\nversion = "([^"]+)"', text))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("results", type=Path)
    ap.add_argument("--cargo-lock", type=Path, default=Path(__file__).with_name("rust") / "Cargo.lock")
    a = ap.parse_args()
    crates = lock_versions(a.cargo_lock)
    scores = {s: json.loads((a.results / f"{s}-scores.json").read_text()) for s in SETS
              if (a.results / f"{s}-scores.json").exists()}
    names = sorted({p.name.split("-", 1)[1].rsplit(".timing.json", 1)[0]
                    for p in a.results.glob("*.timing.json")})
    print("| extractor | version | aeb-dev F1 / P / R | wcxb-dev F1 / P / R "
          "| aeb pages/s run1 / run2 | wcxb pages/s run1 / run2 |")
    print("|---|---|---|---|---|---|")
    for ex in names:
        version, cells, speed = "", [], []
        for s in SETS:
            t = a.results / f"{s}-{ex}.timing.json"
            tj = json.loads(t.read_text()) if t.exists() else {}
            version = version or tj.get("version") or crates.get(CRATE.get(ex, ""), "")
            m = scores.get(s, {}).get(f"{s}-{ex}")
            cells.append(f"{m['f1']:.3f} / {m['precision']:.3f} / {m['recall']:.3f}" if m else "—")
            speed.append(" / ".join(f"{v:.0f}" for v in tj.get("pages_per_s", [])) or "—")
        print(f"| {ex} | {version} | {cells[0]} | {cells[1]} | {speed[0]} | {speed[1]} |")
    meta = a.results / "wcxb-trafilatura-metadata.json"
    if meta.exists():
        m = json.loads(meta.read_text())
        parts = [f"{k} {m[k]['accuracy']:.3f} ({m[k]['correct']}/{m[k]['n']})" for k in ("title", "title_either_side", "author", "date") if k in m]
        print(f"\nwcxb-dev metadata, trafilatura {m['version']}: " + ", ".join(parts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
