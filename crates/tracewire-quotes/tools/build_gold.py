#!/usr/bin/env python3
"""Builds data/wikinews-quotes/*.json from the hand-written annotations in tools/ann_*.py.

The script only locates the chosen strings in the text (content: nth occurrence; speaker and cue:
the whole-word occurrence nearest to the content) and checks that every span round-trips.
Offsets are in Unicode characters (Python str indices).

usage: python3 tools/build_gold.py /path/to/wikinews-gum/text  [--show]
"""
import json, os, re, sys, glob, importlib.util

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "wikinews-quotes")

def load_annotations():
    A = {}
    for p in sorted(glob.glob(os.path.join(HERE, "ann_*.py"))):
        spec = importlib.util.spec_from_file_location(os.path.basename(p)[:-3], p)
        m = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(m)
        for k, v in m.A.items():
            assert k not in A, k
            A[k] = v
    return A

def read_article(path):
    raw = open(path, encoding="utf-8").read()
    header, _, body = raw.partition("\n\n")
    meta = {}
    for line in header.splitlines():
        k, _, v = line.partition(":")
        meta[k.strip()] = v.strip()
    return meta, body.rstrip("\n")

def occurrences(text, s, word=False):
    out = []
    if word:
        pat = (r"(?<!\w)" if s[:1].isalnum() else "") + re.escape(s) + (r"(?!\w)" if s[-1:].isalnum() else "")
        return [(m.start(), m.end()) for m in re.finditer(pat, text)]
    i = text.find(s)
    while i >= 0:
        out.append((i, i + len(s)))
        i = text.find(s, i + 1)
    return out

def nearest(text, s, anchor, avoid):
    best = None
    for (a, b) in occurrences(text, s, word=True):
        if any(a < y and x < b for (x, y) in avoid):
            continue
        d = anchor[0] - b if b <= anchor[0] else a - anchor[1]
        if d < 0:
            continue
        # prefer the same paragraph
        lo, hi = min(a, anchor[0]), max(b, anchor[1])
        if "\n" in text[lo:hi]:
            d += 100000
        if best is None or d < best[0]:
            best = (d, a, b)
    if best is None:
        raise SystemExit(f"not found near content: {s!r}")
    return best[1], best[2]

def span(text, a, b):
    return {"start": a, "end": b, "text": text[a:b]}

def main():
    src = sys.argv[1]
    show = "--show" in sys.argv
    A = load_annotations()
    files = sorted(glob.glob(os.path.join(src, "GUM_*.txt")))
    os.makedirs(OUT, exist_ok=True)
    n = 0
    for f in files:
        doc = os.path.basename(f)[:-4]
        if doc not in A:
            print("NOT ANNOTATED", doc)
            continue
        meta, text = read_article(f)
        quotes = []
        for (content, speaker, name, cue, kind) in A[doc]:
            idx = 0
            if isinstance(content, tuple):
                content, idx = content
            occ = occurrences(text, content)
            if len(occ) <= idx:
                raise SystemExit(f"{doc}: content not found: {content!r}")
            if len(occ) > 1 and not isinstance(A, tuple) and idx == 0 and show:
                print(f"  note {doc}: content occurs {len(occ)}x, taking #{idx}")
            c = occ[idx]
            q = {"content": span(text, *c), "speaker": None, "speaker_name": name, "cue": None, "kind": kind}
            avoid = [c]
            if speaker is not None:
                s = nearest(text, speaker, c, avoid)
                q["speaker"] = span(text, *s)
                avoid.append(s)
            if cue is not None:
                k = nearest(text, cue, c, avoid)
                q["cue"] = span(text, *k)
            for key in ("content", "speaker", "cue"):
                if q[key]:
                    assert text[q[key]["start"]:q[key]["end"]] == q[key]["text"]
            quotes.append(q)
            n += 1
            if show:
                marks = [(q[k]["start"], q[k]["end"], k[:2].upper()) for k in ("content", "speaker", "cue") if q[k]]
                lo = min(m[0] for m in marks); hi = max(m[1] for m in marks)
                s = text[max(0, lo - 20):hi + 20]
                print(f"[{doc}] {kind} {name!r}: SP={q['speaker'] and q['speaker']['text']!r} CUE={q['cue'] and q['cue']['text']!r} window={hi-lo}")
                if hi - lo > len(q['content']['text']) + 120:
                    print("   !! wide window:", text[lo:hi][:300].replace("\n", "\\n"))
        quotes.sort(key=lambda q: q["content"]["start"])
        out = {"id": doc, "source": meta.get("source"), "text": text, "quotes": quotes}
        with open(os.path.join(OUT, doc + ".json"), "w", encoding="utf-8") as fh:
            json.dump(out, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
    print("documents:", len(files), "quotes:", n)

main()
