"""A local spool for what the cluster could not take while it was unreachable.

A crawl must lose nothing when the cluster is down: posts, pages seen, evidence, crawl
rounds and quarantine records go to a JSONL file in the spool folder (one file per
process, appended and flushed line by line), and are replayed, in order, once the
cluster answers again. A replaying process first renames the file it takes, so two
processes never replay the same file; a replay that fails part way writes what is left
to a new spool file.

While posts sit in the spool, the ingest chain still needs to know they exist (to keep
their evidence, and not to store them twice): `hashes` and `urls` answer for the posts
this process spooled.
"""
from __future__ import annotations

import base64
import logging
import os
import threading
import time
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any, Iterable, Iterator

import orjson

from .post import Post
from .urls import canonical_url

log = logging.getLogger(__name__)

KINDS = ("post", "seen", "evidence", "round", "quarantine")


class Spool:
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.lock = threading.Lock()
        self.path: Path | None = None
        self.fh = None
        self.hashes: dict[str, str] = {}     # post id -> input hash, for posts spooled here
        self.urls: dict[str, str] = {}       # canonical URL -> post id

    # -- writing -----------------------------------------------------------------
    def add(self, kind: str, records: Iterable[dict[str, Any]]) -> int:
        if kind not in KINDS:
            raise ValueError(kind)
        n = 0
        with self.lock:
            fh = self._open()
            for rec in records:
                fh.write(orjson.dumps({"kind": kind, "data": rec}, default=_default) + b"\n")
                n += 1
            fh.flush()
            os.fsync(fh.fileno())
        return n

    def add_posts(self, posts: list[Post]) -> int:
        for p in posts:
            self.hashes[p.id] = p.input_hash
            if p.url:
                self.urls[canonical_url(p.url)] = p.id
        return self.add("post", (p.to_dict() for p in posts))

    def _open(self):
        if self.fh is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.path = self.folder / f"spool-{os.getpid()}-{time.time_ns()}.jsonl"
            self.fh = open(self.path, "ab")
            log.warning("the cluster is unreachable: spooling to %s until it is back", self.path)
        return self.fh

    # -- reading -----------------------------------------------------------------
    def pending(self) -> list[Path]:
        """Spool files waiting to be replayed (those of other processes too)."""
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.glob("spool-*.jsonl") if p.stat().st_size > 0)

    def size(self) -> tuple[int, int]:
        """(files, bytes) waiting."""
        files = self.pending()
        return len(files), sum(f.stat().st_size for f in files)

    def take(self) -> Iterator[tuple[Path, list[tuple[str, dict[str, Any]]]]]:
        """Each waiting file, claimed by renaming it, with its records. The caller deletes
        the claimed file when done (`done`), or puts records back (`put_back`)."""
        with self.lock:
            if self.fh is not None:      # our own file is replayed too: start a new one next time
                self.fh.close()
                self.fh = None
        for path in self.pending():
            claimed = path.with_name(f"replaying-{os.getpid()}-{path.name}")
            try:
                path.rename(claimed)
            except OSError:
                continue                 # another process took it
            yield claimed, list(_read(claimed))

    def done(self, claimed: Path) -> None:
        claimed.unlink(missing_ok=True)
        if not self.pending():
            self.hashes.clear()
            self.urls.clear()

    def put_back(self, claimed: Path, records: list[tuple[str, dict[str, Any]]]) -> None:
        for kind, group in groupby(records, key=itemgetter(0)):   # one write and fsync per run of a kind
            self.add(kind, [data for _, data in group])
        claimed.unlink(missing_ok=True)

    def recover(self) -> None:
        """Files a crashed replay left claimed become waiting files again."""
        if not self.folder.is_dir():
            return
        for claimed in self.folder.glob("replaying-*-spool-*.jsonl"):
            pid = claimed.name.split("-")[1]
            if pid.isdigit() and _alive(int(pid)) and int(pid) != os.getpid():
                continue
            claimed.rename(claimed.with_name(claimed.name.split("-", 2)[2]))

    def close(self) -> None:
        with self.lock:
            if self.fh is not None:
                self.fh.close()
                self.fh = None


def _read(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    with open(path, "rb") as fh:
        for no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = orjson.loads(line)
            except orjson.JSONDecodeError:   # a line cut short by a crash: the rest is good
                log.error("%s:%d: unreadable spool line skipped", path, no)
                continue
            yield rec["kind"], rec["data"]


def _default(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"__b64__": base64.b64encode(value).decode()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(type(value))


def unbytes(value: Any) -> bytes:
    return base64.b64decode(value["__b64__"])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
