"""The label enums must say exactly what TAXONOMY.md says."""
import re

import pytest

from nlp.labels import SENTIMENT_ZH, TOPIC_ZH, Platform, Sentiment, Topic, parse_bool
from tests.conftest import SHARED

TAXONOMY = SHARED / "TAXONOMY.md"


@pytest.fixture(scope="module")
def taxonomy() -> str:
    if not TAXONOMY.is_file():
        pytest.skip(f"{TAXONOMY} is not beside this checkout")
    return TAXONOMY.read_text(encoding="utf-8")


def test_topics_match_taxonomy_table(taxonomy):
    rows = re.findall(r"^\| `([a-z_]+)` \| (\S+) \|", taxonomy, re.M)
    assert rows, "no topic table found in TAXONOMY.md"
    assert [code for code, _ in rows] == [t.value for t in Topic]
    assert {code: zh for code, zh in rows} == {t.value: TOPIC_ZH[t] for t in Topic}


def test_sentiments_match_taxonomy(taxonomy):
    section = taxonomy.split("## sentiment:", 1)[1].split("\n", 1)[0]
    codes = [c.strip() for c in section.split("/")]
    assert codes == [s.value for s in Sentiment]
    assert set(SENTIMENT_ZH) == set(Sentiment)


def test_platforms_match_taxonomy(taxonomy):
    line = next(ln for ln in taxonomy.splitlines() if ln.startswith("`platform`"))
    assert re.findall(r"`([a-z]+)`", line.split("(", 1)[1].split(")", 1)[0]) == [p.value for p in Platform]


def test_relevance_codes_in_taxonomy(taxonomy):
    assert "## relevant: true / false" in taxonomy


@pytest.mark.parametrize("value,expected", [(True, True), ("true", True), ("False", False), (0, False), ("1", True)])
def test_parse_bool(value, expected):
    assert parse_bool(value) is expected


def test_parse_bool_rejects_other_words():
    with pytest.raises(ValueError, match="allowed: true, false"):
        parse_bool("maybe")
