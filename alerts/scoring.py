"""Score a backtest's reports against the truth of a synthetic stream.

Why: "every event reported exactly once, how late, and how many false reports" is the
claim the alerting has to prove, and it has to be counted the same way every time.

Each reported event (an `event_id` of the backtest JSON) is mapped to the truth event
that holds the most of its posts, counting background as a rival: if background posts
(decoys included) are at least as many, the reported event is background. Then:

- per expected truth event: its 首报 (reports of kind "first") — exactly one is right —
  and the delay from the truth's burst start to the earliest of them, in minutes;
- false reports: 首报 of reported events that map to background or decoys, to a minor
  story that should not be reported, or a further 首报 for a truth event already
  reported (a duplicate);
- 续报/结案 of an event that never had a 首报 are listed as orphans.
"""
from __future__ import annotations

import logging
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Collection, Iterable

from .synthetic import TruthEvent

log = logging.getLogger(__name__)

REASON_ZH = {"background": "背景", "decoy": "诱饵", "minor": "小事件", "duplicate": "重复"}
SHAPE_ZH = {"spike": "尖峰", "slow_burn": "慢热", "wave": "波", "rumor": "谣言+二次波", "minor": "小事件"}


@dataclass
class EventResult:
    """How one truth event fared."""
    key: str
    name: str
    kind: str
    burst_start: datetime
    firsts: list[tuple[str, datetime]] = field(default_factory=list)  # (event_id, sent_at), by time
    size: int = 0          # posts of the event in the stream
    covered: int = 0       # of those, how many sit in reported events mapped to it

    @property
    def expected(self) -> bool:
        return self.kind != "minor"

    @property
    def reported_once(self) -> bool:
        return len(self.firsts) == 1

    @property
    def delay_minutes(self) -> float | None:
        if not self.firsts:
            return None
        return round((self.firsts[0][1] - self.burst_start).total_seconds() / 60, 1)

    @property
    def coverage(self) -> float:
        return self.covered / self.size if self.size else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "kind": self.kind, "expected": self.expected,
                "burst_start": self.burst_start.isoformat(), "first_reports": len(self.firsts),
                "reported_once": self.reported_once, "delay_minutes": self.delay_minutes,
                "event_ids": [e for e, _ in self.firsts],
                "first_sent_at": [t.isoformat() for _, t in self.firsts],
                "posts": self.size, "covered": self.covered, "coverage": round(self.coverage, 3)}


@dataclass
class FalseReport:
    event_id: str
    sent_at: datetime
    title: str
    reason: str            # background | decoy | minor | duplicate
    truth: str = ""        # the truth event it maps to, if any
    share: float = 0.0     # share of its posts in that truth (or in background)

    def to_dict(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "sent_at": self.sent_at.isoformat(), "title": self.title,
                "reason": self.reason, "truth": self.truth, "share": round(self.share, 3)}


@dataclass
class Score:
    events: list[EventResult]
    false_reports: list[FalseReport]
    reports: int = 0
    first_reports: int = 0
    orphans: list[str] = field(default_factory=list)  # event ids with 续报/结案 but no 首报

    @property
    def expected(self) -> list[EventResult]:
        return [e for e in self.events if e.expected]

    @property
    def missed(self) -> list[str]:
        return [e.key for e in self.expected if not e.firsts]

    @property
    def duplicated(self) -> list[str]:
        return [e.key for e in self.expected if len(e.firsts) > 1]

    @property
    def exactly_once(self) -> bool:
        """Every expected event has exactly one 首报."""
        return all(e.reported_once for e in self.expected)

    @property
    def false_count(self) -> int:
        return len(self.false_reports)

    def to_dict(self) -> dict[str, Any]:
        delays = [e.delay_minutes for e in self.expected if e.delay_minutes is not None]
        return {
            "summary": {"expected_events": len(self.expected), "exactly_once": self.exactly_once,
                        "reported_once": sum(e.reported_once for e in self.expected),
                        "missed": self.missed, "duplicated": self.duplicated,
                        "false_reports": self.false_count,
                        "false_by_reason": dict(Counter(f.reason for f in self.false_reports)),
                        "reports": self.reports, "first_reports": self.first_reports,
                        "max_delay_minutes": max(delays) if delays else None,
                        "orphans": list(self.orphans)},
            "events": [e.to_dict() for e in self.events],
            "false_reports": [f.to_dict() for f in self.false_reports],
        }


def score(reports: Iterable[dict[str, Any]], truths: list[TruthEvent], post_truth: dict[str, str],
          decoy_ids: Collection[str] = ()) -> Score:
    """Score backtest reports (the dicts of `jianyu alerts backtest --json`, its
    "reports" list) against the truth. `post_truth` maps post id → event key for the
    posts of every truth event; any other post is background."""
    reports = sorted(reports, key=lambda r: _when(r["sent_at"]))
    by_truth = {t.key: t for t in truths}
    results = {t.key: EventResult(t.key, t.name, t.kind, t.burst_start) for t in truths}
    for key, n in Counter(post_truth.values()).items():
        if key in results:
            results[key].size = n
    decoys = set(decoy_ids)

    groups: dict[str, list[dict[str, Any]]] = {}
    for r in reports:
        groups.setdefault(r["event_id"], []).append(r)

    out = Score(events=list(results.values()), false_reports=[], reports=len(reports))
    for event_id, rs in groups.items():
        ids = _post_ids(rs)
        labels = Counter(k if (k := post_truth.get(pid, "")) in results else "" for pid in ids)
        truth, share = _majority(labels, len(ids))
        firsts = [r for r in rs if r["kind"] == "first"]
        out.first_reports += len(firsts)
        if not firsts:
            out.orphans.append(event_id)
            log.warning("event %s has %d reports but no 首报", event_id, len(rs))
        if truth:
            results[truth].covered += labels[truth]
            results[truth].firsts += [(event_id, _when(r["sent_at"])) for r in firsts]
            if by_truth[truth].expected:
                continue
        if truth:
            reason = "minor"
        else:
            n_decoy = sum(1 for pid in ids if pid in decoys and pid not in post_truth)
            reason = "decoy" if n_decoy * 2 > labels[""] else "background"
        out.false_reports += [FalseReport(event_id, _when(r["sent_at"]), r.get("title", ""), reason, truth, share)
                              for r in firsts]
    for res in results.values():
        res.firsts.sort(key=lambda x: x[1])
        if res.expected:
            for event_id, sent in res.firsts[1:]:
                title = next((r.get("title", "") for r in groups[event_id] if r["kind"] == "first"), "")
                out.false_reports.append(FalseReport(event_id, sent, title, "duplicate", res.key))
    out.false_reports.sort(key=lambda f: f.sent_at)
    return out


def _post_ids(reports: list[dict[str, Any]]) -> list[str]:
    """Every post any report of one event cites, each once."""
    ids: dict[str, None] = {}
    for r in reports:
        first = r.get("first_post") or {}
        if first.get("id"):
            ids[first["id"]] = None
        for p in r.get("posts", ()):
            ids[p["id"] if isinstance(p, dict) else p[0]] = None
    return list(ids)


def _majority(labels: Counter, total: int) -> tuple[str, float]:
    """The truth event holding the most posts, if it holds more than background."""
    events = [(n, k) for k, n in labels.items() if k]
    if not events:
        return "", 1.0 if total else 0.0
    n, key = max(events, key=lambda x: (x[0], x[1]))
    if n <= labels.get("", 0):
        return "", labels[""] / total
    return key, n / total


def _when(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, width: int) -> str:
    """`s` cut (with …) and padded to `width` terminal columns, one space kept free."""
    if _width(s) > width - 1:
        while _width(s) > width - 2:
            s = s[:-1]
        s += "…"
    return s + " " * (width - _width(s))


def format(score: Score) -> str:  # noqa: A001 - the name the closing note asks for
    """The score as a plain-text table, Chinese with English, for a closing note."""
    cols = (("事件 event", 48), ("形态 shape", 24), ("首报 firsts", 13), ("延迟 delay", 17), ("覆盖 coverage", 14))
    lines = ["".join(_pad(h, w) for h, w in cols).rstrip()]
    for e in sorted(score.events, key=lambda e: (not e.expected, e.burst_start)):
        delay = "—" if e.delay_minutes is None else f"{e.delay_minutes:+.0f} 分钟 min"
        row = (e.name, f"{SHAPE_ZH.get(e.kind, e.kind)} {e.kind}", str(len(e.firsts)), delay,
               f"{e.coverage:.0%}" if e.firsts or not e.expected else "—")
        lines.append("".join(_pad(v, w) for v, (_, w) in zip(row, cols)).rstrip())
    reasons = Counter(f.reason for f in score.false_reports)
    parts = ", ".join(f"{REASON_ZH[r]} {r} {reasons.get(r, 0)}" for r in REASON_ZH)
    expected = score.expected
    lines += [
        "",
        f"每个事件恰好上报一次 every event reported exactly once: {'是 yes' if score.exactly_once else '否 no'}"
        f" ({sum(e.reported_once for e in expected)}/{len(expected)})",
        f"误报 false reports: {score.false_count} ({parts}); 小事件不应上报 minor stories must not be reported",
        f"报告总数 reports: {score.reports}, 首报 first reports: {score.first_reports}",
    ]
    if score.missed:
        lines.append(f"漏报 missed: {', '.join(score.missed)}")
    for f in score.false_reports:
        lines.append(f"  误报 {f.sent_at:%m-%d %H:%M} [{REASON_ZH[f.reason]}] {f.title}")
    if score.orphans:
        lines.append(f"无首报的续报 orphan updates: {', '.join(score.orphans)}")
    return "\n".join(lines)
