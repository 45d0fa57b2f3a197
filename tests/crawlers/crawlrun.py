"""Run `jianyu crawl` in a child process (the Twisted reactor runs once per process) against
a config written into a temporary folder, and give back its JSON summary and the store."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.conftest import ROOT


@dataclass
class CrawlRun:
    returncode: int
    summary: dict
    stdout: str
    stderr: str

    def source(self, name: str) -> dict:
        return next(s for s in self.summary["sources"] if s["name"] == name)


def write_config(folder: Path, model_dir: Path, sources: list[dict], **sections) -> Path:
    cfg = {"store": {"path": str(folder / "jianyu.db")}, "nlp": {"model_dir": str(model_dir)},
           "crawl": {"retry_backoff": 0.05, "download_timeout": 10, **sections.pop("crawl", {})},
           "sources": sources, **sections}
    path = folder / "jianyu.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return path


def run_crawl(config: Path, *names: str, env: dict | None = None, timeout: float = 180) -> CrawlRun:
    cmd = [sys.executable, "-m", "jianyu", "--config", str(config), "crawl", "--json", *names]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL)
    summary = json.loads(proc.stdout) if proc.returncode == 0 and proc.stdout.strip() else {}
    return CrawlRun(proc.returncode, summary, proc.stdout, proc.stderr)


def open_store(config: Path):
    from indexer.sqlite import SqliteStore

    return SqliteStore(yaml.safe_load(config.read_text(encoding="utf-8"))["store"]["path"])
