"""Regenerate nlp/data/t2s_triggers.txt from the installed OpenCC dictionaries.

    python tools/make_t2s_triggers.py [OUT]

`nlp.normalize` only calls OpenCC when a text holds one of these entries, one a line:
every single character that a t2s dictionary changes, and every phrase that a t2s
dictionary changes and that holds none of those characters. A text that t2s changes
holds a changing dictionary key, so it holds one of the entries: a text without any
of them comes out of t2s unchanged.
The dictionaries are dumped with the `opencc_dict` tool that the opencc wheel ships;
tests/nlp/test_normalize.py checks the file against the installed OpenCC.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import opencc

OUT = Path(__file__).resolve().parent.parent / "nlp" / "data" / "t2s_triggers.txt"


def share_dir() -> Path:
    return Path(opencc.__file__).parent / "clib" / "share" / "opencc"


def dict_tool() -> Path:
    return Path(opencc.__file__).parent / "clib" / "bin" / "opencc_dict"


def t2s_dictionaries() -> list[Path]:
    """Every .ocd2 file the t2s config names."""
    cfg = json.loads((share_dir() / "t2s.json").read_text(encoding="utf-8"))
    files: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "ocd2":
                files.append(node["file"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(cfg)
    return [share_dir() / f for f in files]


def dump(ocd2: Path) -> list[tuple[str, str]]:
    """(key, first value) pairs of one dictionary."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "d.txt")
        subprocess.run([str(dict_tool()), "-i", str(ocd2), "-o", out, "-f", "ocd2", "-t", "text"],
                       check=True, capture_output=True)
        pairs = []
        with open(out, encoding="utf-8") as fh:
            for line in fh:
                key, _, values = line.rstrip("\n").partition("\t")
                pairs.append((key, values.split(" ")[0]))
        return pairs


def trigger_entries() -> list[str]:
    """Changing single characters, then the changing phrases none of them covers."""
    singles: set[str] = set()
    phrases: set[str] = set()
    for path in t2s_dictionaries():
        for key, value in dump(path):
            if key == value:
                continue
            (singles if len(key) == 1 else phrases).add(key)
    uncovered = {p for p in phrases if not any(c in singles for c in p)}
    return sorted(singles) + sorted(uncovered)


def render(entries: list[str]) -> str:
    return "".join(e + "\n" for e in entries)


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else OUT
    entries = trigger_entries()
    out.write_text(render(entries), encoding="utf-8")
    print(f"{len(entries)} entries -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
