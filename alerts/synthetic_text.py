"""The words of the synthetic week (alerts.synthetic): the phrase pools of
`data/synthetic.json`, template slots filled as a template asks for them, and the small
text helpers (dates, headlines, short link codes)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .synthetic import Writer

DATA_FILE = Path(__file__).resolve().parent / "data" / "synthetic.json"


@lru_cache(maxsize=1)
def phrases() -> dict[str, Any]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


class Slots(dict):
    """Template values for one post, drawn when a template first asks for them."""

    def __init__(self, w: "Writer", when: datetime, fixed: dict[str, str]):
        super().__init__(fixed)
        self.w, self.when = w, when

    def __missing__(self, key: str) -> str:
        r, d = self.w.rng, phrases()
        lists = {"county": "counties", "city": "cities", "place": "places", "school": "schools",
                 "river": "rivers", "group": "groups", "theme": "themes", "partner": "partners",
                 "agency": "agencies", "pi_issue": "pi_issues", "given": "given"}
        numbers = {"n": (2, 60), "n2": (2, 9), "n3": (100, 2000), "n4": (100, 3000), "yuan": (1000, 90000),
                   "bac": (81, 260), "pct": (85, 96), "pct2": (3, 30), "year": (2019, 2024)}
        if key in lists:
            v = self.w.fill(r.choice(d[lists[key]]), self)
        elif key in numbers:
            v = str(r.randint(*numbers[key]))
        elif key == "cshort":
            v = self["county"][:-1]
        elif key == "surname":
            v = r.choice(d["surnames"])
        elif key == "amount":
            v = f"{r.randint(20, 5000) / 10:g}"
        elif key == "date":
            v = month_day(self.when - timedelta(days=r.randint(1, 10)))
        elif key in ("crime", "crime_detail"):
            crime, details = r.choice(d["crimes"])
            self["crime"] = crime
            self["crime_detail"] = self.w.fill(r.choice(details), self)
            return self[key]
        else:
            raise KeyError(key)
        self[key] = v
        return v


def month_day(t: datetime) -> str:
    return f"{t.month}月{t.day}日"


def cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[:n] + "……"


def headline(text: str) -> str:
    """A title made from a text's first clause, as sites without titles show one."""
    first = text.lstrip("【】#").split("。")[0].split("！")[0].split("？")[0]
    if len(first) <= 36:
        return first
    cut = first[:36].rfind("，")
    return first[:cut] if cut >= 10 else first[:30]


def b62(n: int) -> str:
    chars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while True:
        n, k = divmod(n, 62)
        out = chars[k] + out
        if not n:
            return out
