"""The analyst query language: parsing, errors that say where, and round trips."""
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.post import SHANGHAI
from indexer.query import (And, Filter, MatchAll, Not, Or, Phrase, Term, TimeRange, filter_node, parse,
                           positive_terms, to_text)
from nlp.errors import QueryError


def test_words_are_anded():
    assert parse("检察院 公车私用") == And((Term("检察院"), Term("公车私用")))


def test_operators_and_shorthand():
    assert parse("a AND b") == parse("a b") == parse("a +b")
    assert parse("a OR b") == parse("a | b") == Or((Term("a"), Term("b")))
    assert parse("a NOT b") == parse("a -b") == And((Term("a"), Not(Term("b"))))
    assert parse("NOT a") == Not(Term("a"))


def test_precedence_and_binds_tighter_than_or():
    assert parse("a b OR c") == Or((And((Term("a"), Term("b"))), Term("c")))
    assert parse("a (b OR c)") == And((Term("a"), Or((Term("b"), Term("c")))))


def test_lower_case_operators_are_words():
    assert parse("a and b") == And((Term("a"), Term("and"), Term("b")))


def test_phrases_with_ascii_and_chinese_quotes():
    assert parse('"公车 私用"') == Phrase("公车 私用")
    assert parse("“公车私用” 检察") == And((Phrase("公车私用"), Term("检察")))


def test_full_width_parentheses():
    assert parse("（a OR b）") == Or((Term("a"), Term("b")))


def test_field_filters_and_chinese_label_values():
    assert parse("platform:weibo") == Filter("platform", "weibo")
    assert parse("sentiment:负面") == Filter("sentiment", "negative")
    assert parse("topic:公益诉讼") == Filter("topic", "public_interest")
    assert parse("relevant:TRUE") == Filter("relevant", "true")
    assert parse("region:广东省") == Filter("region", "广东省")
    assert parse('author:"张 三"') == Filter("author", "张 三")
    assert parse("title:通报") == Term("通报", "title")


def test_date_range():
    node = parse("date:2026-11-01..2026-11-07")
    assert node == TimeRange(datetime(2026, 11, 1, tzinfo=SHANGHAI), datetime(2026, 11, 8, tzinfo=SHANGHAI))
    assert parse("date:2026-11-01..").end is None
    assert parse("date:..2026-11-01").start is None
    one_day = parse("date:2026-11-03")
    assert (one_day.end - one_day.start).days == 1


def test_empty_query_matches_all():
    assert parse("") == MatchAll()
    assert parse("   ") == MatchAll()


@pytest.mark.parametrize("query,message,position", [
    ("检察院 AND (公益诉讼", "unclosed '('", 8),
    ("a)", "unmatched ')'", 1),
    ("a AND", "'AND' needs something after it", 2),
    ("OR a", "'OR' needs something before it", 0),
    ("a OR", "'OR' needs something after it", 2),
    ("NOT", "'NOT' needs something after it", 0),
    ('"open', "unterminated quote", 0),
    ("()", "empty parentheses", 0),
    ("colour:red", "unknown field 'colour'", 0),
    ("sentiment:angry", "sentiment: 'angry' is not allowed", 10),
    ("topic:crime", "allowed: case, supervision", 6),
    ("relevant:perhaps", "allowed: true, false", 9),
    ("date:2026-13-45", "is not a date", 5),
    ("date:2026-11-08..2026-11-01", "ends before it starts", 5),
    ("platform:", "'platform:' needs a value", 0),
    ("a | | b", "'|' needs something before it", 4),
])
def test_errors_say_where(query, message, position):
    with pytest.raises(QueryError) as info:
        parse(query)
    err = info.value
    assert message in str(err)
    assert err.position == position
    assert f"position {position + 1}" in str(err)
    assert str(err).splitlines()[-1].index("^") - 2 == position


def test_positive_terms_skip_negated():
    assert positive_terms(parse('a "b c" -d NOT (e OR f) platform:weibo')) == ["a", "b c"]


def test_filter_node_validates():
    assert filter_node("relevant", True) == Filter("relevant", "true")
    with pytest.raises(QueryError, match="allowed"):
        filter_node("topic", "nonsense")


# -- properties -----------------------------------------------------------------

WORD = st.text(alphabet=st.sampled_from(list("检察院公益诉讼青石abcXYZ129")), min_size=1, max_size=6)
LEAF = st.one_of(
    WORD.filter(lambda w: w not in ("AND", "OR", "NOT")).map(Term),
    WORD.map(Phrase),
    st.sampled_from(["weibo", "news", "gov"]).map(lambda v: Filter("platform", v)),
    st.sampled_from(["negative", "positive"]).map(lambda v: Filter("sentiment", v)),
)


def _trees(children):
    return st.one_of(
        st.lists(children, min_size=2, max_size=3).map(lambda xs: And(tuple(xs))),
        st.lists(children, min_size=2, max_size=3).map(lambda xs: Or(tuple(xs))),
        children.map(Not),
    )


TREE = st.recursive(LEAF, _trees, max_leaves=8)


def _normal(node):
    """Flatten nested And/Or of the same kind and double negations, as the parser reads them."""
    if isinstance(node, (And, Or)):
        items = []
        for item in (_normal(i) for i in node.items):
            items.extend(item.items if type(item) is type(node) else [item])
        return type(node)(tuple(items))
    if isinstance(node, Not):
        return Not(_normal(node.item))
    return node


@settings(max_examples=300, deadline=None)
@given(TREE)
def test_round_trip(tree):
    text = to_text(tree)
    assert _normal(parse(text)) == _normal(tree)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab 检察()（）"“|+-:ANDORTplatfomsei\\\'')), max_size=30))
def test_parser_never_fails_other_than_query_error(text):
    try:
        node = parse(text)
    except QueryError as e:
        assert e.position is None or 0 <= e.position <= len(text)
    else:
        assert _normal(parse(to_text(node))) == _normal(node)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_parses_or_fails_cleanly(text):
    try:
        parse(text)
    except QueryError:
        pass


def test_signs_apply_to_fields_and_groups():
    assert parse("-platform:weibo") == Not(Filter("platform", "weibo"))
    assert parse("a -(b OR c)") == And((Term("a"), Not(Or((Term("b"), Term("c"))))))
    assert parse("+a") == Term("a")
    assert parse("2026-11-01") == Term("2026-11-01")
