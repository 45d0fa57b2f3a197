"""The labeled training corpus shipped in nlp/corpus/, and its fixed held-out split."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .errors import BadInput
from .labels import Sentiment, Topic, parse_bool

CORPUS_DIR = Path(__file__).parent / "corpus"
HELDOUT_SHARE = 5  # one post in five is held out


@dataclass(frozen=True)
class Example:
    id: str
    text: str          # title and body as written, before normalization
    relevant: bool
    sentiment: Sentiment
    topic: Topic
    platform: str = ""
    group: str = ""    # the file it came from


def corpus_files(folder: Path = CORPUS_DIR) -> list[Path]:
    return sorted(folder.glob("*.jsonl"))


def read_labeled(path: Path, group: str = "") -> Iterator[Example]:
    """Read labeled JSONL (TAXONOMY fields); a bad line raises BadInput with its number."""
    with open(path, encoding="utf-8") as fh:
        for no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                text = "\n".join(x for x in (d.get("title") or "", d.get("text") or "") if x)
                if not text.strip():
                    raise ValueError("no text")
                yield Example(
                    id=str(d.get("id") or f"{path.name}:{no}"),
                    text=text,
                    relevant=parse_bool(d["relevant"]),
                    sentiment=Sentiment(d["sentiment"]),
                    topic=Topic(d["topic"]),
                    platform=str(d.get("platform") or ""),
                    group=group or path.stem,
                )
            except (ValueError, KeyError, TypeError) as e:
                raise BadInput(f"{path}:{no}: not a labeled post ({type(e).__name__}: {e}); "
                               "each line needs text, relevant, sentiment and topic") from None


def load_corpus(folder: Path = CORPUS_DIR) -> list[Example]:
    files = corpus_files(folder)
    if not files:
        raise BadInput(f"no training corpus (*.jsonl) in {folder}")
    return [ex for f in files for ex in read_labeled(f)]


def is_heldout(example_id: str) -> bool:
    """The fixed split: decided by the id alone, so adding posts never moves old ones."""
    h = int.from_bytes(hashlib.sha256(example_id.encode("utf-8")).digest()[:8], "big")
    return h % HELDOUT_SHARE == 0


def split(examples: Iterable[Example]) -> tuple[list[Example], list[Example]]:
    train, heldout = [], []
    for ex in examples:
        (heldout if is_heldout(ex.id) else train).append(ex)
    return train, heldout


def corpus_hash(folder: Path = CORPUS_DIR) -> str:
    h = hashlib.sha256()
    for f in corpus_files(folder):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()
