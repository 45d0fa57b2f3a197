"""Precision over the reports analysts have marked useful or a false alarm."""
from __future__ import annotations

from typing import Any, Iterable

from indexer.alertstate import VERDICTS, ReportRecord


def precision(records: Iterable[ReportRecord]) -> dict[str, Any]:
    """Overall and per kind / per level: marked, useful, false alarms, precision."""
    def bucket() -> dict[str, Any]:
        return {"marked": 0, "useful": 0, "false_alarm": 0, "precision": None}

    total = bucket()
    by_kind: dict[str, dict[str, Any]] = {}
    by_level: dict[str, dict[str, Any]] = {}
    for r in records:
        if r.verdict not in VERDICTS:
            continue
        for row in (total, by_kind.setdefault(r.kind, bucket()), by_level.setdefault(r.level, bucket())):
            row["marked"] += 1
            row[r.verdict] += 1
    for row in (total, *by_kind.values(), *by_level.values()):
        if row["marked"]:
            row["precision"] = row["useful"] / row["marked"]
    return {**total, "by_kind": by_kind, "by_level": by_level}
