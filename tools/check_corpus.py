"""Validate a labeled corpus file: python tools/check_corpus.py FILE.jsonl

Prints counts per topic x sentiment, platform, and any invalid lines.
"""
import json
import sys
from collections import Counter

TOPICS = {"case", "supervision", "public_interest", "juvenile", "petition", "aid",
          "conduct", "outreach", "incident", "irrelevant"}
SENTS = {"positive", "neutral", "negative"}
PLATFORMS = {"news", "weibo", "wechat", "forum", "video", "gov", "other"}


def main(path):
    cells, plats, bad, ids, texts = Counter(), Counter(), 0, set(), set()
    n = 0
    for no, line in enumerate(open(path, encoding="utf-8"), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except Exception as e:
            print(f"line {no}: invalid JSON: {e}"); bad += 1; continue
        errs = []
        if d.get("id") in ids: errs.append("duplicate id")
        ids.add(d.get("id"))
        if d.get("topic") not in TOPICS: errs.append(f"topic {d.get('topic')!r}")
        if d.get("sentiment") not in SENTS: errs.append(f"sentiment {d.get('sentiment')!r}")
        if d.get("platform") not in PLATFORMS: errs.append(f"platform {d.get('platform')!r}")
        if not isinstance(d.get("relevant"), bool): errs.append("relevant not bool")
        if (d.get("relevant") is False) != (d.get("topic") == "irrelevant"): errs.append("relevant/topic mismatch")
        if not str(d.get("text") or "").strip(): errs.append("no text")
        if d.get("text") in texts: errs.append("duplicate text")
        texts.add(d.get("text"))
        if errs:
            print(f"line {no}: " + "; ".join(errs)); bad += 1; continue
        n += 1
        cells[(d["topic"], d["sentiment"])] += 1
        plats[d["platform"]] += 1
    print(f"{n} valid, {bad} invalid")
    for t in sorted(TOPICS):
        print(f"  {t:16s}", "  ".join(f"{s[:3]}={cells[(t, s)]:3d}" for s in ("positive", "neutral", "negative")))
    print("  platforms:", dict(plats))


if __name__ == "__main__":
    for p in sys.argv[1:]:
        print(p); main(p)
