#!/usr/bin/env python3
"""Accuracy/speed anchors for the open Python article extractors.

Subcommands
-----------
extract   Read every ``*.html.gz`` page of a set into memory (decompressed and
          decoded as UTF-8 with replacement), then time extraction alone,
          single-threaded, over the whole set ``--runs`` times.  Writes the
          last run's predictions as ``{id: {"articleBody": text}}`` (the
          format ``extraction_score.py`` reads) and prints one JSON line of
          timings.

          --extractor trafilatura
              trafilatura.extract(html, url=URL, include_comments=False,
                                  include_tables=True)
              everything else at its defaults (output_format="txt",
              favor_precision/favor_recall off, fallback on, deduplicate off).
          --extractor readability
              readability.Document(html).summary(), then plain text from the
              summary HTML: lxml tree, a newline after every block element and
              <br>, text_content(), whitespace collapsed per line, blank lines
              dropped (no html2text).  Text conversion is inside the timing.

metadata  trafilatura.extract_metadata(html, default_url=URL) on every page of
          a set with per-page ground truth (WCXB: ground-truth/NNNN.json with
          ground_truth.title/author/publish_date) and report accuracy:
            title   equal after folding (NFKC, case, whitespace, quotes,
                    dashes, HTML entities); also equal when the truth is
                    "Headline | Site" and the prediction is "Headline"
                    (any prefix of the "|"-separated parts);
            title_either_side  as title, and also when the prediction is
                    "Headline | Site" and the truth is "Headline";
            author  equal, or one contains the other, after the same folding;
            date    same calendar day (first 10 characters).
          Pages whose truth value is empty/null are skipped; a missing
          prediction counts as wrong.

Page id = file name without ``.html.gz``; URL = ground truth's ``url`` field.
Default data paths are under $DATA_ROOT (/work/shared/data/extraction).
"""
from __future__ import annotations

import argparse
import gzip
import html as htmlmod
import json
import os
import re
import sys
import time
import unicodedata
from pathlib import Path

DATA_ROOT = Path(os.environ.get("DATA_ROOT", "/work/shared/data/extraction"))


def load_pages(html_dir: Path, gt_path: Path) -> list[tuple[str, str | None, str]]:
    gt = json.loads(gt_path.read_text(encoding="utf8"))
    pages = []
    for f in sorted(html_dir.glob("*.html.gz")):
        pid = f.name[: -len(".html.gz")]
        text = gzip.decompress(f.read_bytes()).decode("utf-8", errors="replace")
        url = (gt.get(pid) or {}).get("url")
        pages.append((pid, url, text))
    if not pages:
        sys.exit(f"no *.html.gz in {html_dir}")
    return pages


# --------------------------------------------------------------------------- extractors

def make_trafilatura():
    import trafilatura

    def run(html: str, url: str | None) -> str:
        return trafilatura.extract(html, url=url, include_comments=False, include_tables=True) or ""

    return run, _dist_version("trafilatura")


BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "dd", "details", "div", "dl", "dt",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary",
    "table", "tbody", "thead", "tfoot", "tr", "td", "th", "ul", "br", "caption",
}
_WS = re.compile(r"[ \t\r\f\v\u00a0]+")


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: newline after each block element."""
    import lxml.html

    if not fragment or not fragment.strip():
        return ""
    root = lxml.html.fromstring(fragment)
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.lower() in BLOCK_TAGS:
            el.tail = "\n" + (el.tail or "")
    lines = (_WS.sub(" ", ln).strip() for ln in root.text_content().split("\n"))
    return "\n".join(ln for ln in lines if ln)


def make_readability():
    from readability import Document

    def run(html: str, url: str | None) -> str:
        try:
            return html_to_text(Document(html).summary())
        except Exception:  # readability raises on empty/unparseable documents
            return ""

    return run, _dist_version("readability-lxml")


EXTRACTORS = {"trafilatura": make_trafilatura, "readability": make_readability}


def _dist_version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def cmd_extract(a) -> int:
    run, version = EXTRACTORS[a.extractor]()
    pages = load_pages(a.html_dir, a.gt)
    secs, preds = [], {}
    for _ in range(max(1, a.runs)):
        out = {}
        t0 = time.perf_counter()
        for pid, url, html in pages:
            out[pid] = run(html, url)
        secs.append(time.perf_counter() - t0)
        preds = out
    out_path = a.out or Path(f"preds-{a.extractor}.json")
    out_path.write_text(
        json.dumps({k: {"articleBody": v} for k, v in sorted(preds.items())}, ensure_ascii=False, indent=1),
        encoding="utf8",
    )
    n = len(pages)
    print(json.dumps({
        "extractor": a.extractor, "version": version, "html_dir": str(a.html_dir), "pages": n,
        "seconds": secs, "pages_per_s": [n / s for s in secs], "out": str(out_path),
    }))
    return 0


# --------------------------------------------------------------------------- metadata

_QUOTES = str.maketrans({c: '"' for c in "'\"`\u00b4\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u00ab\u00bb\u2039\u203a\u2032\u2033"})
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"})


def fold(s: str | None) -> str:
    if not s:
        return ""
    s = unicodedata.normalize("NFKC", htmlmod.unescape(s)).casefold()
    s = s.translate(_QUOTES).translate(_DASHES)
    return " ".join(s.split())


def _site_prefix_eq(long: str, short: str) -> bool:
    """``long`` is "Headline | Site" (any "|" split) and ``short`` the headline."""
    parts = long.split("|")
    return any(fold("|".join(parts[:i])) == fold(short) for i in range(1, len(parts)))


def title_ok(truth: str, pred: str | None) -> bool:
    """Rule as specified: equal, or truth "Headline | Site" vs prediction "Headline"."""
    if not fold(pred):
        return False
    return fold(truth) == fold(pred) or _site_prefix_eq(truth, pred)


def title_either_ok(truth: str, pred: str | None) -> bool:
    """Also accept the reverse: prediction "Headline | Site" vs truth "Headline"."""
    return title_ok(truth, pred) or (bool(fold(pred)) and _site_prefix_eq(pred, truth))


def author_ok(truth: str, pred: str | None) -> bool:
    t, p = fold(truth), fold(pred)
    return bool(t and p) and (t == p or t in p or p in t)


def date_ok(truth: str, pred: str | None) -> bool:
    return bool(pred) and str(truth)[:10] == str(pred)[:10]


def cmd_metadata(a) -> int:
    import trafilatura

    pages = load_pages(a.html_dir, a.gt)
    checks = {"title": ("title", "title", title_ok),
              "title_either_side": ("title", "title", title_either_ok),
              "author": ("author", "author", author_ok),
              "date": ("publish_date", "date", date_ok)}
    tally = {k: [0, 0] for k in checks}
    rows = []
    for pid, url, html in pages:
        gt_file = a.gt_dir / f"{pid}.json"
        if not gt_file.exists():
            continue
        truth = json.loads(gt_file.read_text(encoding="utf8")).get("ground_truth") or {}
        meta = trafilatura.extract_metadata(html, default_url=url)
        row = {"id": pid}
        for name, (tkey, pattr, ok) in checks.items():
            tv = truth.get(tkey)
            if tv is None or not str(tv).strip():
                continue
            pv = getattr(meta, pattr, None) if meta is not None else None
            good = ok(str(tv), pv)
            tally[name][0] += good
            tally[name][1] += 1
            row[name] = {"truth": tv, "pred": pv, "ok": good}
        rows.append(row)
    result = {"extractor": "trafilatura", "version": _dist_version("trafilatura"), "pages": len(rows)}
    for name, (good, n) in tally.items():
        result[name] = {"correct": good, "n": n, "accuracy": good / n if n else None}
    if a.per_page:
        a.per_page.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf8")
    print(json.dumps(result))
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("extract", help="time an extractor and write predictions")
    e.add_argument("--extractor", choices=sorted(EXTRACTORS), required=True)
    e.add_argument("--html-dir", type=Path, default=DATA_ROOT / "aeb-dev/html")
    e.add_argument("--gt", type=Path, default=DATA_ROOT / "aeb-dev/ground-truth.json",
                   help="JSON {id: {..., 'url'}} giving each page's URL")
    e.add_argument("--out", type=Path)
    e.add_argument("--runs", type=int, default=2)
    e.set_defaults(func=cmd_extract)
    m = sub.add_parser("metadata", help="trafilatura title/author/date accuracy")
    m.add_argument("--html-dir", type=Path, default=DATA_ROOT / "wcxb-dev-articles/html")
    m.add_argument("--gt", type=Path, default=DATA_ROOT / "wcxb-dev-articles/ground-truth-scrapinghub-format.json")
    m.add_argument("--gt-dir", type=Path, default=DATA_ROOT / "wcxb-dev-articles/ground-truth")
    m.add_argument("--per-page", type=Path, help="write per-page truth/prediction JSON")
    m.set_defaults(func=cmd_metadata)
    a = ap.parse_args(argv)
    return a.func(a)


if __name__ == "__main__":
    sys.exit(main())
