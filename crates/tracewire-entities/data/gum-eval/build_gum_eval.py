#!/usr/bin/env python3
"""Build the compact GUM (Wikinews) evaluation set for tracewire-entities.

Usage: python3 build_gum_eval.py /work/shared/data/wikinews-gum > gum-eval.json

Input: GUM's WebAnno TSV 3.2 files (entity spans + Wikipedia identities), the XML
files (tokens with POS tags, same token order) and the raw texts (text/*.txt).

Output: one JSON object {"docs": [{"name", "text", "gold": [[start, end, "PER"|"ORG"|"LOC"], ...]}]}
with `text` the document body as published (detokenized: the raw text/ file after its
header lines) and gold spans as *character* offsets into it.

Gold named-mention spans (see also src/eval.rs):
 1. Take every GUM mention of type person / organization / place.
 2. Drop a trailing possessive token ('s / ').
 3. Split the mention into proper-name runs: maximal sequences of tokens tagged NP/NPS,
    allowing the connectors of / the / de / du / la / van / von / bin / al / - / & / . between two
    proper tokens ("University of Helsinki", "Daughters of the American Revolution").
 4. The mention's name is the first run that is not a pre-modifier, i.e. the first run not
    followed inside the mention by a common noun, adjective, number or possessive
    ("Kremlin spokesman Dmitry Peskov" -> "Dmitry Peskov"; "Russia 's facility" -> none), looking
    only before the first preposition, comma, wh-word or verb outside a run (post-modifiers such
    as "professor at MIT" do not hold the head).
    A mention without such a run is not named (its nested mentions count on their own).
 5. For persons, titles and roles at the start of the run are dropped
    ("U.S. President Donald Trump" -> "Donald Trump"); a run that is only a title
    ("the U.S. President", "Governor of Virginia") or a single plural proper noun ("Afghans") is not a named person.
 6. Overlapping results: the longer span wins (outer "University of Helsinki" over inner
    "Helsinki"); identical spans keep the first type seen (outermost mention).
"""

import json
import os
import re
import sys

TYPES = {"person": "PER", "organization": "ORG", "place": "LOC"}
CONNECTORS = {"of", "the", "de", "du", "la", "le", "van", "von", "bin", "al", "el", "-", "&", "der", "den", "da", "di", "for"}
PROPER = {"NP", "NPS"}
STOP_POS = {"IN", ",", "WDT", "WP", "TO", "VVG", "VVN", "VVD", "VVZ", "VVP", "-LRB-", "(", ":"}
TITLES = {
    "president", "prime", "minister", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "dr", "dr.", "professor", "prof.",
    "senator", "sen.", "governor", "gov.", "rep.", "representative", "king", "queen", "prince", "princess", "pope",
    "chancellor", "secretary", "general", "gen.", "colonel", "col.", "captain", "capt.", "lieutenant", "sergeant",
    "judge", "justice", "bishop", "archbishop", "rev.", "reverend", "sir", "lord", "lady", "chairman", "mayor",
    "ambassador", "commissioner", "director", "spokesman", "spokeswoman", "vice", "foreign", "deputy", "chief",
    "sheikh", "ayatollah", "emperor", "senior", "state", "defense", "defence", "interior", "finance", "premier",
    "speaker", "officer", "ceo", "coach", "manager", "biologist", "author", "editor", "saint", "st.", "agent", "administrator", "attorney", "sheriff", "officer",
}


def parse_tsv(path):
    toks = []  # (text, [(type, id, identity)])
    auto = 0
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not re.match(r"^\d+-\d+\t", line):
            continue
        cols = line.split("\t")
        word = cols[2]
        ents = [] if cols[3] == "_" else cols[3].split("|")
        idents = [] if cols[6] == "_" else cols[6].split("|")
        id_map = {}
        loose = []
        for ident in idents:
            m = re.match(r"^(.*)\[(\d+)\]$", ident)
            if m:
                id_map[m.group(2)] = m.group(1)
            else:
                loose.append(ident)
        mentions = []
        for e in ents:
            m = re.match(r"^([a-z]+)(?:\[(\d+)\])?$", e)
            if not m:
                continue
            typ, mid = m.group(1), m.group(2)
            if mid is None:
                auto += 1
                mid = "auto%d" % auto
                ident = loose.pop(0) if loose else None
            else:
                ident = id_map.get(mid)
            mentions.append((typ, mid, ident))
        toks.append((word, mentions))
    return toks


def parse_xml(path):
    out = []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("<") or "\t" not in line:
            continue
        cols = line.split("\t")
        out.append((cols[0], cols[1]))
    return out


def body_of(raw):
    lines = raw.split("\n")
    i = 0
    while i < len(lines) and re.match(r"^[a-z_]+: ", lines[i]):
        i += 1
    return "\n".join(lines[i:]).strip("\n") + "\n"


NORMALIZE = {"``": '"', "''": '"', "`": "'"}


def align(tokens, text):
    """Char offsets of each token in text (greedy; None if a token cannot be found)."""
    pos = 0
    spans = []
    for t in tokens:
        cands = [t, NORMALIZE.get(t, t)]
        if t in ('"', "``", "''"):
            cands += ["\u201c", "\u201d", "''", "``"]
        if t == "'":
            cands += ["\u2018", "\u2019"]
        if t == "'s":
            cands += ["\u2019s"]
        if t == "n't":
            cands += ["n\u2019t"]
        best = None
        for c in cands:
            j = text.find(c, pos, pos + 200)
            if j >= 0 and (best is None or j < best[0]):
                best = (j, j + len(c))
        if best is None:
            return None
        # only whitespace/punctuation may be skipped
        gap = text[pos:best[0]]
        if gap.strip() and len(gap.strip()) > 3:
            return None
        spans.append(best)
        pos = best[1]
    return spans


def main():
    root = sys.argv[1]
    docs = []
    for fn in sorted(os.listdir(os.path.join(root, "tsv"))):
        name = fn[:-4]
        toks = parse_tsv(os.path.join(root, "tsv", fn))
        xml = parse_xml(os.path.join(root, "xml", name + ".xml"))
        assert len(xml) == len(toks), name
        pos = [x[1] for x in xml]
        words = [t[0] for t in toks]
        raw = open(os.path.join(root, "text", name + ".txt"), encoding="utf-8").read()
        text = body_of(raw)
        spans = align(words, text)
        if spans is None:
            print("alignment failed for %s; using tokenized text" % name, file=sys.stderr)
            text = " ".join(words)
            spans = []
            p = 0
            for w in words:
                spans.append((p, p + len(w)))
                p += len(w) + 1
        # collect mentions: id -> (type, [token indices])
        order = []
        ments = {}
        for i, (_, ms) in enumerate(toks):
            for typ, mid, ident in ms:
                if mid not in ments:
                    ments[mid] = [typ, [], ident]
                    order.append(mid)
                ments[mid][1].append(i)
        gold = []
        for mid in order:
            typ, idx, ident = ments[mid]
            if typ not in TYPES:
                continue
            idx = sorted(idx)
            while idx and words[idx[-1]] in ("'s", "'", "\u2019s"):
                idx.pop()
            run = head_run(idx, words, pos)
            if run is None:
                continue
            if typ == "person":
                k = 0
                for j, ti in enumerate(run):
                    if words[ti].lower() in TITLES:
                        k = j + 1
                if k == len(run) or words[run[k]].lower() in CONNECTORS:
                    continue  # only a title ("the U.S. President"): not named
                run = run[k:]
                if len(run) == 1 and pos[run[0]] == "NPS":
                    continue  # a group ("Afghans", "Muslims"), not a named person
            s, e = spans[run[0]][0], spans[run[-1]][1]
            gold.append([s, e, TYPES[typ]])
        # resolve overlaps: longer first, then earlier
        gold.sort(key=lambda g: (-(g[1] - g[0]), g[0]))
        kept = []
        for g in gold:
            if any(g[0] < k[1] and k[0] < g[1] for k in kept):
                continue
            kept.append(g)
        kept.sort()
        # convert to char offsets (python str indices are chars already)
        docs.append({"name": name, "text": text, "gold": kept})
    json.dump({"docs": docs}, sys.stdout, ensure_ascii=False, indent=0)
    sys.stdout.write("\n")


def head_run(idx, words, pos):
    runs = []
    cur = []
    for k, ti in enumerate(idx):
        if pos[ti] in PROPER:
            cur.append(ti)
        elif cur and words[ti].lower() in CONNECTORS and k + 1 < len(idx) and next_proper(idx, k + 1, words, pos):
            cur.append(ti)
        else:
            if cur:
                runs.append((cur, ti))
            cur = []
            if pos[ti] in STOP_POS:
                break  # post-modifiers ("professor at MIT") do not hold the head
    if cur:
        runs.append((cur, None))
    for run, nxt in runs:
        if nxt is not None and (pos[nxt][:2] in ("NN", "JJ", "CD", "PO", "VV", "VB") or words[nxt] in ("'s", "'")):
            continue
        # the run must be contiguous in the token sequence
        if run[-1] - run[0] + 1 != len(run):
            continue
        return run
    return None


def next_proper(idx, k, words, pos):
    while k < len(idx):
        ti = idx[k]
        if pos[ti] in PROPER:
            return True
        if words[ti].lower() not in CONNECTORS:
            return False
        k += 1
    return False


if __name__ == "__main__":
    main()
