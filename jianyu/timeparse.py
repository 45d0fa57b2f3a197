"""Times typed on the command line: 2026-11-01, 2026-11-01T08:00, 7d / 24h / 30m ago, now."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from nlp.errors import BadInput, PostError
from indexer.post import SHANGHAI, parse_time

_RELATIVE = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_when(text: str, option: str, now: datetime | None = None) -> datetime:
    now = now or datetime.now(SHANGHAI)
    t = text.strip().lower()
    if t == "now":
        return now
    if t == "today":
        return now.astimezone(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)
    m = _RELATIVE.match(t)
    if m:
        return now - timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
    try:
        return parse_time(text, option)
    except PostError:
        raise BadInput(f"{option}: {text!r} is not a time (use 2026-11-01, 2026-11-01T08:00, 7d, 24h, now)") from None


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
