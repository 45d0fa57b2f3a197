from datetime import datetime, timedelta

import pytest

from indexer.post import SHANGHAI
from jianyu.timeparse import parse_when
from nlp.errors import BadInput

NOW = datetime(2026, 11, 30, 15, 30, tzinfo=SHANGHAI)


@pytest.mark.parametrize("text,expected", [
    ("now", NOW),
    ("today", datetime(2026, 11, 30, tzinfo=SHANGHAI)),
    ("7d", NOW - timedelta(days=7)),
    ("24h", NOW - timedelta(hours=24)),
    ("30m", NOW - timedelta(minutes=30)),
    ("2w", NOW - timedelta(weeks=2)),
    ("2026-11-01", datetime(2026, 11, 1, tzinfo=SHANGHAI)),
    ("2026-11-01T08:00", datetime(2026, 11, 1, 8, tzinfo=SHANGHAI)),
])
def test_forms(text, expected):
    assert parse_when(text, "--from", now=NOW) == expected


def test_bad_time_names_the_option():
    with pytest.raises(BadInput, match="--to: 'soon' is not a time"):
        parse_when("soon", "--to", now=NOW)
