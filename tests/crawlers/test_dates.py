"""crawlers.dates: every way Chinese pages write a time, the year rollover, non-times."""
import logging
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawlers.dates import find_time, parse_time_text
from indexer.post import SHANGHAI

NOW = datetime(2026, 11, 3, 12, 0, 0, tzinfo=SHANGHAI)


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize("text, expected", [
    ("2026年11月3日 10:23", sh(2026, 11, 3, 10, 23)),
    ("2026年11月3日", sh(2026, 11, 3)),
    ("2026年11月03日10:23:05", sh(2026, 11, 3, 10, 23, 5)),
    ("2026 年 11 月 3 日", sh(2026, 11, 3)),
    ("2026-11-03 10:23:05", sh(2026, 11, 3, 10, 23, 5)),
    ("2026-11-03 10:23", sh(2026, 11, 3, 10, 23)),
    ("2026-11-3", sh(2026, 11, 3)),
    ("2026/11/03 10:23", sh(2026, 11, 3, 10, 23)),
    ("2026.11.03", sh(2026, 11, 3)),
    ("2026年11月3日 星期二 10:23", sh(2026, 11, 3, 10, 23)),
    ("2026年11月3日（周二）", sh(2026, 11, 3)),
    ("2026年11月3日 下午3:20", sh(2026, 11, 3, 15, 20)),
    ("2026年11月3日 上午9:05", sh(2026, 11, 3, 9, 5)),
    ("2026年11月3日10时23分", sh(2026, 11, 3, 10, 23)),
    ("2026年11月3日10时23分05秒", sh(2026, 11, 3, 10, 23, 5)),
    ("二〇二六年十一月三日", sh(2026, 11, 3)),
    ("二〇二六年十月二十八日", sh(2026, 10, 28)),
    ("11-03 10:23", sh(2026, 11, 3, 10, 23)),
    ("11月3日 10:23", sh(2026, 11, 3, 10, 23)),
    ("11月3日", sh(2026, 11, 3)),
    ("11-03", sh(2026, 11, 3)),
    ("2026-11-03T10:23:05", sh(2026, 11, 3, 10, 23, 5)),
    ("2026-11-03T10:23:05.250+08:00", sh(2026, 11, 3, 10, 23, 5, 250000)),
    ("20261103T102305", sh(2026, 11, 3, 10, 23, 5)),
    ("Nov 3, 2026", sh(2026, 11, 3)),
    # full-width digits and punctuation, ideographic space
    ("２０２６年１１月３日　１０：２３", sh(2026, 11, 3, 10, 23)),
    ("２０２６－１１－０３", sh(2026, 11, 3)),
    # labels and brackets around the time
    ("发布时间：2026-11-03 10:23", sh(2026, 11, 3, 10, 23)),
    ("日期: 2026-11-03", sh(2026, 11, 3)),
    ("[2026-11-03]", sh(2026, 11, 3)),
    ("（2026-11-03）", sh(2026, 11, 3)),
    ("  2026-11-03 10:23\n", sh(2026, 11, 3, 10, 23)),
])
def test_absolute_forms(text, expected):
    got = parse_time_text(text, NOW)
    assert got == expected
    assert got.tzinfo is not None


@pytest.mark.parametrize("text, expected", [
    ("刚刚", NOW),
    ("刚才", NOW),
    ("30秒前", NOW - timedelta(seconds=30)),
    ("3分钟前", NOW - timedelta(minutes=3)),
    ("3 分钟前", NOW - timedelta(minutes=3)),
    ("十分钟前", NOW - timedelta(minutes=10)),
    ("半小时前", NOW - timedelta(minutes=30)),
    ("2小时前", NOW - timedelta(hours=2)),
    ("两小时前", NOW - timedelta(hours=2)),
    ("一个半小时前", NOW - timedelta(minutes=90)),
    ("1天前", NOW - timedelta(days=1)),
    ("2周前", NOW - timedelta(weeks=2)),
    ("今天 09:10", sh(2026, 11, 3, 9, 10)),
    ("今天", sh(2026, 11, 3)),
    ("昨天 14:20", sh(2026, 11, 2, 14, 20)),
    ("昨天14:20", sh(2026, 11, 2, 14, 20)),
    ("前天 08:00", sh(2026, 11, 1, 8, 0)),
    ("大前天 08:00", sh(2026, 10, 31, 8, 0)),
    ("３分钟前", NOW - timedelta(minutes=3)),
    # Traditional characters
    ("3分鐘前", NOW - timedelta(minutes=3)),
    ("2小時前", NOW - timedelta(hours=2)),
    ("兩週前", NOW - timedelta(weeks=2)),
    ("剛剛", NOW),
    ("發佈時間：2026年11月3日 10時23分", sh(2026, 11, 3, 10, 23)),
    ("11月3號 10點23分", sh(2026, 11, 3, 10, 23)),
])
def test_relative_forms(text, expected):
    assert parse_time_text(text, NOW) == expected


def test_relative_days_count_in_shanghai_whatever_zone_now_is_in():
    now_utc = datetime(2026, 11, 2, 17, 0, tzinfo=timezone.utc)    # 2026-11-03 01:00 in Shanghai
    assert parse_time_text("昨天 14:20", now_utc) == sh(2026, 11, 2, 14, 20)


def test_naive_now_is_shanghai_time():
    assert parse_time_text("3分钟前", datetime(2026, 11, 3, 12, 0)) == sh(2026, 11, 3, 11, 57)


@pytest.mark.parametrize("text, expected_utc", [
    ("Tue, 03 Nov 2026 10:23:05 +0800", datetime(2026, 11, 3, 2, 23, 5)),
    ("Tue, 03 Nov 2026 02:23:05 GMT", datetime(2026, 11, 3, 2, 23, 5)),
    ("Tue, 3 Nov 2026 02:23:05 UT", datetime(2026, 11, 3, 2, 23, 5)),
    ("03 Nov 2026 10:23 +0800", datetime(2026, 11, 3, 2, 23)),
    ("Tue, 03 Nov 2026 10:23:05 -0000", datetime(2026, 11, 3, 10, 23, 5)),
    ("Tue Nov 03 10:23:05 +0800 2026", datetime(2026, 11, 3, 2, 23, 5)),
    ("Tue Nov 03 2026 10:23:05 GMT+0800 (中国标准时间)", datetime(2026, 11, 3, 2, 23, 5)),
    ("2026-11-03T02:23:05Z", datetime(2026, 11, 3, 2, 23, 5)),
    ("2026-11-03T10:23:05+08:00", datetime(2026, 11, 3, 2, 23, 5)),
    ("2026-11-03 10:23:05 +0800", datetime(2026, 11, 3, 2, 23, 5)),
    ("2026-11-03 05:23:05 +03:00", datetime(2026, 11, 3, 2, 23, 5)),
    ("2026-11-03 10:23 UTC+8", datetime(2026, 11, 3, 2, 23)),
    ("2026-11-03 10:23 (UTC+08:00)", datetime(2026, 11, 3, 2, 23)),
    ("UTC+8 2026-11-03 10:23", datetime(2026, 11, 3, 2, 23)),
    ("2026-11-03 02:23 UTC", datetime(2026, 11, 3, 2, 23)),
    ("北京时间2026年11月3日10时23分", datetime(2026, 11, 3, 2, 23)),
    ("2026年11月3日 10:23（北京时间）", datetime(2026, 11, 3, 2, 23)),
    ("Tue, 03 Nov 2026 10:23:05 CST", datetime(2026, 11, 3, 2, 23, 5)),
])
def test_zones(text, expected_utc):
    got = parse_time_text(text, NOW)
    assert got is not None and got.tzinfo is not None
    assert got == expected_utc.replace(tzinfo=timezone.utc)


def test_a_written_zone_is_kept():
    assert parse_time_text("Tue, 03 Nov 2026 02:23:05 GMT", NOW).utcoffset() == timedelta(0)
    assert parse_time_text("2026-11-03T05:23:05-05:00", NOW).utcoffset() == timedelta(hours=-5)


def test_no_zone_means_shanghai():
    assert parse_time_text("2026-11-03 10:23", NOW).tzinfo is SHANGHAI


@pytest.mark.parametrize("now, text, expected", [
    (sh(2026, 1, 2, 8, 0), "12-31 10:00", sh(2025, 12, 31, 10, 0)),
    (sh(2026, 1, 2, 8, 0), "12月31日 10:00", sh(2025, 12, 31, 10, 0)),
    (sh(2026, 1, 2, 8, 0), "11月3日", sh(2025, 11, 3)),
    (sh(2026, 1, 2, 8, 0), "01-02 07:00", sh(2026, 1, 2, 7, 0)),
    (sh(2026, 1, 2, 8, 0), "01-01 23:59", sh(2026, 1, 1, 23, 59)),
    # a little ahead of now (a server clock, a page cached ahead) stays this year
    (sh(2026, 1, 2, 8, 0), "01-02 20:00", sh(2026, 1, 2, 20, 0)),
    (sh(2026, 11, 3, 12, 0), "11-04 08:00", sh(2026, 11, 4, 8, 0)),
    (sh(2026, 11, 3, 12, 0), "11-05 08:00", sh(2025, 11, 5, 8, 0)),
    (sh(2026, 11, 3, 12, 0), "12-25", sh(2025, 12, 25)),
    # 29 February: the latest leap year's
    (sh(2026, 3, 1, 8, 0), "02-29", sh(2024, 2, 29)),
    (sh(2028, 3, 1, 8, 0), "2月29日 10:00", sh(2028, 2, 29, 10, 0)),
])
def test_year_rollover(now, text, expected):
    assert parse_time_text(text, now) == expected


@pytest.mark.parametrize("text", [
    "", "   ", "hello", "不是时间", "今天天气不错", "2026", "2026年", "12345", "3.14",
    "2026-13-45", "2026-02-30", "2026-11-03 25:00", "25:00", "10:23", "11-32",
    "1/2 cup", "第3页", "共3页", "v2.3.1", "ISBN 978-7-5117-1234-5", "3-5年有期徒刑",
    "1800-01-01", "3000年1月1日", "99999999天前", "100000周前", "2026-11-03 10:23 +2500",
    "发布时间：", "[]", "刚刚发布的重要通知，请大家认真阅读并相互转告，谢谢合作",
    "x" * 10_000,
])
def test_not_a_time(text):
    assert parse_time_text(text, NOW) is None


@pytest.mark.parametrize("value", [None, 20261103, b"2026-11-03", ["2026-11-03"]])
def test_not_a_str(value):
    assert parse_time_text(value, NOW) is None
    assert find_time(value, NOW) is None


@pytest.mark.parametrize("text, expected", [
    ("来源：云州日报  发布时间：2026-11-03 10:23  作者：李某", sh(2026, 11, 3, 10, 23)),
    ("来源：云州日报 | 发布日期：2026年11月3日 | 【字体：大 中 小】", sh(2026, 11, 3)),
    ("时间：２０２６－１１－０３　１０：２３　浏览次数：128", sh(2026, 11, 3, 10, 23)),
    ("云州日报 2026-11-03 10:23:05 +0800 转发", sh(2026, 11, 3, 10, 23, 5)),
    ("张三 3分钟前 来自 iPhone", NOW - timedelta(minutes=3)),
    ("评论 · 昨天 14:20 · 江苏", sh(2026, 11, 2, 14, 20)),
    ("发布于 11-02 16:40", sh(2026, 11, 2, 16, 40)),
    ("【2026-11-03】云州市检察院召开新闻发布会", sh(2026, 11, 3)),
    ("pubDate: Tue, 03 Nov 2026 02:23:05 GMT", datetime(2026, 11, 3, 2, 23, 5, tzinfo=timezone.utc)),
    # a bare 昨日 in the text loses to a full date after it
    ("昨日，记者从云州市检察院获悉……发布时间：2026-11-03 10:23", sh(2026, 11, 3, 10, 23)),
    # only when nothing better is there does a bare month-day count
    ("11月3日，青石县检察院召开会议", sh(2026, 11, 3)),
    ("昨天，青石县检察院召开会议", sh(2026, 11, 2)),
])
def test_find_time(text, expected):
    assert find_time(text, NOW) == expected


@pytest.mark.parametrize("text", [
    "", "没有时间的一段话。", "判处有期徒刑3-5年", "第1-2页", "电话：0871-12345678",
    "版本 2.3.1，共 12 页", "x" * 200_000,
])
def test_find_time_none(text):
    assert find_time(text, NOW) is None


def test_find_time_takes_the_first_of_two_dates():
    assert find_time("发布时间：2026-11-01 更新时间：2026-11-03", NOW) == sh(2026, 11, 1)


class _Errors(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


_DATEISH = st.text(alphabet="0123456789０１２３年月日时分秒号:-/. T+Z前天昨今刚小钟周个半两十二〇上下午星期一()（）UTCGMTNovTue,北京", max_size=40)


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(st.text(max_size=200), _DATEISH),
       now=st.datetimes(min_value=datetime(1901, 1, 1), max_value=datetime(2099, 12, 31)))
def test_never_raises(text, now):
    errors = _Errors()
    log = logging.getLogger("crawlers.dates")
    log.addHandler(errors)
    try:
        for fn in (parse_time_text, find_time):
            got = fn(text, now)
            assert got is None or (isinstance(got, datetime) and got.tzinfo is not None)
    finally:
        log.removeHandler(errors)
    assert not errors.records, errors.records[0].getMessage()
