"""Reports (首报/续报/结案): the facts they freeze, and their Markdown, HTML, text and
chart, with crawled text that tries to break out of each."""
import io
import json
import re
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import html as lxml_html
from PIL import Image

from alerts.chart import CJK_FONT_FILE, cjk_font, trend_chart
from alerts.handling import MAJOR_STEPS, TOPIC_STEPS, suggest
from alerts.model import Event, Level, PostRef
from alerts.render import inert, md_escape, render_html, render_markdown, render_text, safe_url
from alerts.report import Report, build_report
from indexer.post import SHANGHAI
from nlp.labels import TOPIC_ZH, Topic

T0 = datetime(2026, 11, 3, 8, 17, tzinfo=SHANGHAI)
XSS = "<script>alert(1)</script>"
MD_LINK = "[点我](javascript:alert(1))"
PIPES = "| table breakers |"


def _event(**over) -> Event:
    first = PostRef(id="p1", url="https://weibo.example/123/abc?a=1&b=2", site="微博" + XSS,
                    author="网友" + XSS, platform="weibo", title="",
                    text=f"网传某县检察院对醉驾案不起诉 {MD_LINK} {PIPES} <img src=x onerror=alert(2)>\n# 伪标题\n- 伪列表",
                    published_at=T0, sentiment="negative", reposts=320, comments=88, likes=540)
    official = PostRef(id="p9", url="https://www.jcy.example/tzgg/1.html", site="某县人民检察院", platform="gov",
                       title="关于网传“醉驾案不起诉”情况的通报", text="经查……",
                       published_at=T0 + timedelta(hours=5, minutes=40), sentiment="neutral")
    bad = PostRef(id="p3", url="javascript:alert(3)", site="论坛" + PIPES, platform="forum",
                  title="<b>爆料</b>](http://evil.example)", text="`代码` *强调* _下划线_ &lt;x&gt;",
                  published_at=T0 + timedelta(hours=3), sentiment="negative")
    data = dict(
        id="ev-1", title="某县检察院醉驾案不起诉引质疑 " + XSS, first=first,
        posts={"p1": first.url, "p3": bad.url, "p9": official.url,
               **{f"n{i}": f"https://news.example/a/{i}.html" for i in range(40)},
               "p-data": "data:text/html,<script>alert(4)</script>", "p-js": " JaVaScRiPt:alert(5)"},
        hourly=Counter({(T0.replace(minute=0) + timedelta(hours=i)).isoformat(): n
                        for i, n in enumerate([1, 0, 4, 12, 20, 6]) if n}),
        sentiments=Counter(negative=28, neutral=14, positive=3),
        topics=Counter(case=35, incident=8, conduct=2),
        sites=Counter({"微博" + XSS: 25, "今日头条": 12, "论坛" + PIPES: 7, "某县人民检察院": 1}),
        platforms=Counter(weibo=25, news=12, forum=7, gov=1),
        regions=Counter({"河南省": 30, "北京市" + MD_LINK: 4}),
        phrases=["醉驾", "不起诉", MD_LINK, XSS], samples=[first, official, bad],
        official=None, first_seen=T0, last_seen=T0 + timedelta(hours=5, minutes=50))
    data.update(over)
    return Event(**data)


@pytest.fixture
def first_report() -> Report:
    return build_report(_event(), "first", Level.SERIOUS, T0 + timedelta(hours=4, minutes=20),
                        reasons=["1小时内新增20条", "负面占比62%"])


@pytest.fixture
def update_report(first_report) -> Report:
    ev = _event(official=_event().samples[1])
    return build_report(ev, "update", Level.MAJOR, T0 + timedelta(hours=6, minutes=5),
                        reasons=["累计46条"], previous=[first_report])


# -- escaping ---------------------------------------------------------------------------

def _unescaped(md: str, char: str) -> list[int]:
    """Positions of `char` not preceded by an odd run of backslashes."""
    out = []
    for m in re.finditer(re.escape(char), md):
        run = len(md[:m.start()]) - len(md[:m.start()].rstrip("\\"))
        if run % 2 == 0:
            out.append(m.start())
    return out


@pytest.mark.parametrize("kind", ["first", "update"])
def test_markdown_lets_no_crawled_markup_through(kind, first_report, update_report):
    report = first_report if kind == "first" else update_report
    md = render_markdown(report)
    assert not _unescaped(md, "<") and not _unescaped(md, ">"), "raw HTML in Markdown"
    outside_links = re.sub(r"(?<!\\)\]\([^)\s]*\)", "]", md)
    assert not _unescaped(outside_links, "`") and not _unescaped(outside_links, "&")
    # every link is ours and goes to http(s); no other bracket is live
    links = re.findall(r"(?<!\\)\[((?:\\.|[^\]\\])*)\]\(([^)\s]*)\)", md)
    assert links and all(url.startswith(("http://", "https://")) for _, url in links)
    assert len(_unescaped(md, "[")) == len(links)
    assert "javascript:alert(1))" not in [u for _, u in links]
    assert not any("javascript" in u.lower() or u.startswith("data:") for _, u in links)
    # table rows keep their columns: crawled pipes are escaped
    for line in md.splitlines():
        if line.startswith("| "):
            assert len(_unescaped(line, "|")) in (3, 4), line
    # no crawled line starts a heading or a list: every heading is one of ours
    headings = [line for line in md.splitlines() if line.startswith("#")]
    assert headings[0] == f"# 【{report.level.zh}】舆情{report.kind_zh}：" + md_escape(report.title)
    assert all(re.fullmatch(r"#{2,3} [\u4e00-\u9fff（）0-9 ]+", h) for h in headings[1:]), headings
    assert "伪标题" in md and "\n# 伪标题" not in md and "\n- 伪列表" not in md
    assert "[点我]" not in md and "\\[点我\\]\\(javascript:alert\\(1\\)\\)" in md


def test_markdown_escaper_neutralises_line_start_constructs():
    assert md_escape("- 伪列表") == "\\- 伪列表"
    assert md_escape("2024. 年") == "2024\\. 年"
    assert md_escape("=====") == "\\====="
    assert md_escape("a\n# b\r\n> c") == "a \\# b \\> c"
    assert md_escape("\\<x>") == "\\\\\\<x\\>"
    assert md_escape("正常\u202e文本") == "正常文本"          # bidi override removed


@pytest.mark.parametrize("url,ok", [
    ("https://a.example/x?y=1&z=2", True), ("http://a.example", True), ("HTTPS://A.example/", True),
    ("javascript:alert(1)", False), (" JaVaScRiPt:alert(1)", False), ("java\tscript:alert(1)", False),
    ("data:text/html,<script>", False), ("//evil.example/x", False), ("vbscript:x", False),
    ("https://a.example/x\n<script>", False), ("", False), (None, False), ("https:///nohost", False),
])
def test_only_http_links_survive(url, ok):
    assert bool(safe_url(url)) is ok


def test_safe_url_encodes_what_could_end_a_link():
    url = safe_url('https://a.example/p(1)/"q"<r>[s]\\t')
    assert url.startswith("https://a.example/p%281%29/%22q%22%3Cr%3E%5Bs%5D%5Ct")


@pytest.mark.parametrize("kind", ["first", "update"])
def test_html_is_escaped_self_contained_and_script_free(kind, first_report, update_report):
    report = first_report if kind == "first" else update_report
    png = trend_chart(report)
    page = render_html(report, png)
    assert XSS not in page and "<img src=x" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    doc = lxml_html.fromstring(page)
    assert not doc.xpath("//script") and not doc.xpath("//iframe|//object|//embed|//form|//link")
    assert not [a for el in doc.iter() if isinstance(el.tag, str) for a in el.attrib if a.lower().startswith("on")]
    anchors = doc.xpath("//a")
    assert anchors and all(a.get("href").startswith(("http://", "https://")) for a in anchors)
    assert all(a.get("rel") == "noopener noreferrer" for a in anchors)
    hrefs = [a.get("href") for a in anchors]
    assert "https://weibo.example/123/abc?a=1&b=2" in hrefs        # & decoded back by the parser
    imgs = doc.xpath("//img")
    assert len(imgs) == 1 and imgs[0].get("src").startswith("data:image/png;base64,iVBOR")
    csp = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
    assert csp and "default-src 'none'" in csp[0] and "script-src" not in csp[0]
    text = doc.text_content()
    assert XSS in text and MD_LINK in text      # shown as text, not lost
    assert report.summary.split("。")[0] in " ".join(text.split())


def test_html_without_chart_has_no_image(first_report):
    doc = lxml_html.fromstring(render_html(first_report))
    assert not doc.xpath("//img")


def test_text_is_inert_for_chat_markdown(update_report):
    text = render_text(update_report)
    assert len(text.encode("utf-8")) <= 4096
    assert not set("<>[]`*|") & set(text), [c for c in "<>[]`*|" if c in text]
    assert "＜script＞alert(1)＜/script＞" in text
    assert "https://weibo.example/123/abc?a=1&b=2" in text
    assert "javascript" not in text.lower().replace("［点我］(javascript:alert(1))", "")
    assert inert(update_report.summary) in text


def test_text_fits_a_small_limit_and_says_so(update_report):
    many = [PostRef(id=f"s{i}", url=f"https://x.example/{i}", site="站点", title="很长的标题" * 10,
                    published_at=T0) for i in range(60)]
    update_report.samples = many
    full = render_text(update_report, max_bytes=100_000)
    assert "60. " in full and "节选" not in full
    for limit in (4096, 1500, 600, 120):
        text = render_text(update_report, max_bytes=limit)
        assert len(text.encode("utf-8")) <= limit, limit
        assert text.endswith("（内容较长已节选，详见完整报告）")
    assert len(render_text(update_report, max_bytes=20).encode("utf-8")) <= 20
    short = render_text(update_report, max_bytes=1500)
    assert short.startswith("【重大】舆情续报") and "摘要：" in short


# -- the facts ---------------------------------------------------------------------------

def test_report_round_trips_through_json(update_report):
    again = Report.from_dict(json.loads(json.dumps(update_report.to_dict(), ensure_ascii=False)))
    assert again == update_report
    assert again.hourly[0][0].tzinfo is not None and isinstance(again.level, Level)


def test_hourly_has_every_hour_with_zeros_and_stops_at_sent_time():
    utc_key = datetime(2026, 11, 3, 3, 0, tzinfo=timezone.utc).isoformat()     # 11:00 in Shanghai
    ev = _event(hourly=Counter({"2026-11-03T08:00:00+08:00": 2, utc_key: 5, "2026-11-03T13:00:00": 4,
                                "2026-11-03T20:00:00+08:00": 9}))
    r = build_report(ev, "first", Level.GENERAL, T0 + timedelta(hours=5, minutes=10))   # 13:27
    assert [h.hour for h, _ in r.hourly] == [8, 9, 10, 11, 12, 13]
    assert [n for _, n in r.hourly] == [2, 0, 0, 5, 0, 4]
    assert all(h.tzinfo is not None and h.utcoffset() == timedelta(hours=8) for h, _ in r.hourly)
    assert r.post_count == ev.size and r.posts == list(ev.posts.items())


def test_summary_names_level_first_site_speed_and_stance(first_report):
    s = first_report.summary
    assert "较大" in s and "微博" in s and "首发" in s and "11月3日 08:17" in s
    assert "负面62%" in s and "案件办理" in s and "尚未监测到官方回应" in s
    assert "1小时内新增20条" in s and "每小时20条" in s
    assert 2 <= s.count("。") <= 4
    assert first_report.change == "" and first_report.id == "ev-1:first"
    assert first_report.reasons == ["1小时内新增20条", "负面占比62%"]


def test_update_says_what_changed_and_when(update_report, first_report):
    r = update_report
    assert r.id == "ev-1:update:major"
    assert "级别由较大升为重大" in r.change and "某县人民检察院发布回应" in r.change
    assert r.summary.startswith("“某县检察院醉驾案不起诉引质疑") and "出现新情况" in r.summary
    labels = [text.split("：")[0] if "：" in text else text for _, text in r.timeline]
    assert labels == ["首发", "传播升温", "传播峰值", "已报送首报（较大级）", "官方回应", "本次续报（重大级）"]
    times = [t for t, _ in r.timeline]
    assert times == sorted(times) and times[-1] == r.sent_at and times[3] == first_report.sent_at


def test_burst_hour_is_marked_when_it_comes_before_the_peak():
    counts = [1, 3, 8, 9, 30, 2]
    ev = _event(hourly=Counter({(T0.replace(minute=0) + timedelta(hours=i)).isoformat(): n
                                for i, n in enumerate(counts)}))
    r = build_report(ev, "first", Level.SERIOUS, T0 + timedelta(hours=6))
    kinds = {text.split("：")[0]: t.hour for t, text in r.timeline if "：" in text}
    assert kinds["传播峰值"] == 12 and "传播升温" not in kinds   # 30/2 = 15: nothing before the peak
    counts = [1, 3, 16, 9, 30, 2]
    ev.hourly = Counter({(T0.replace(minute=0) + timedelta(hours=i)).isoformat(): n for i, n in enumerate(counts)})
    r = build_report(ev, "first", Level.SERIOUS, T0 + timedelta(hours=6))
    kinds = {text.split("：")[0]: t.hour for t, text in r.timeline if "：" in text}
    assert kinds["传播升温"] == 10 and kinds["传播峰值"] == 12


def test_close_report_reads_differently(first_report, update_report):
    ev = _event(official=_event().samples[1])
    r = build_report(ev, "close", Level.MAJOR, T0 + timedelta(hours=40),
                     previous=[update_report, first_report])
    assert r.id == "ev-1:close" and r.kind_zh == "结案"
    assert r.summary != first_report.summary and r.summary != update_report.summary
    assert "结案" in r.summary and "34小时无新增" in r.summary and "最后一条发布于11月3日 14:07" in r.summary
    assert "34小时无新增" in r.change and r.summary.count("34小时无新增") == 1
    assert any("复盘" in step for step in r.handling)
    by_hand = build_report(ev, "close", Level.MAJOR, T0 + timedelta(hours=40), change="分析人员结案：已妥善处置",
                           previous=[first_report])
    assert by_hand.change == "分析人员结案：已妥善处置" and "分析人员结案" in by_hand.summary


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind"):
        build_report(_event(), "draft", Level.GENERAL, T0)


def test_a_bare_event_still_makes_a_report():
    ev = Event(id="e0", title="", first=PostRef(id="x", text="只有一条帖文"))
    r = build_report(ev, "first", Level.GENERAL, T0)
    assert r.title == "只有一条帖文" and r.hourly == [(T0.replace(minute=0), 0)]
    assert r.samples == [ev.first] and "一般" in r.summary
    assert render_markdown(r) and render_html(r) and render_text(r)
    assert trend_chart(r).startswith(b"\x89PNG")


# -- handling ----------------------------------------------------------------------------

def test_every_topic_has_handling_and_major_is_more_urgent():
    assert set(TOPIC_STEPS) == set(Topic) == set(MAJOR_STEPS)
    for topic in Topic:
        general = suggest([(topic.value, 10)], Level.GENERAL)
        major = suggest([(topic.value, 10)], Level.MAJOR)
        assert set(TOPIC_STEPS[topic]) <= set(general) and set(TOPIC_STEPS[topic]) <= set(major)
        assert len(major) > len(general)
        assert "立即" in major[0] and "立即" not in general[0]
        assert MAJOR_STEPS[topic][0] in major
    steps = suggest([("case", 10), ("conduct", 6), ("irrelevant", 50)], Level.SERIOUS)
    assert steps[2] == TOPIC_STEPS[Topic.CASE][0]                    # irrelevant does not lead
    assert f"兼涉{TOPIC_ZH[Topic.CONDUCT]}：{TOPIC_STEPS[Topic.CONDUCT][0]}" in steps
    assert suggest([("no-such-topic", 3)], Level.GENERAL)            # falls back, never empty


def test_report_carries_topic_handling(update_report):
    assert update_report.handling == suggest(update_report.topics, Level.MAJOR, "update")


# -- the chart ---------------------------------------------------------------------------

def _image(png: bytes) -> Image.Image:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    img = Image.open(io.BytesIO(png))
    img.load()
    return img.convert("RGB")


@pytest.mark.skipif(not Path(CJK_FONT_FILE).is_file(), reason="fonts-wqy-microhei is not installed")
def test_chart_is_a_png_drawn_with_the_chinese_font(update_report):
    family, path = cjk_font()
    assert family == "WenQuanYi Micro Hei" and str(path).endswith("wqy-microhei.ttc")
    img = _image(trend_chart(update_report))     # a missing glyph would warn, and warnings fail
    assert img.size == (900, 380)
    colors = img.getcolors(maxcolors=1 << 20)
    white = max(colors)[0]
    assert len(colors) > 50 and white < 0.95 * img.size[0] * img.size[1]
    # the bars' blue and the line's red are there
    assert any(abs(r - 0x4a) < 8 and abs(g - 0x90) < 8 and abs(b - 0xd9) < 8 for _, (r, g, b) in colors)
    assert any(abs(r - 0xc0) < 8 and abs(g - 0x39) < 8 and abs(b - 0x2b) < 8 for _, (r, g, b) in colors)


@pytest.mark.skipif(not Path(CJK_FONT_FILE).is_file(), reason="fonts-wqy-microhei is not installed")
def test_chart_draws_real_chinese_glyphs_not_boxes(first_report):
    # With a font lacking Chinese, 甲 and 乙 are the same empty box: the images would match.
    first_report.title = "甲"
    a = _image(trend_chart(first_report))
    first_report.title = "乙"
    b = _image(trend_chart(first_report))
    title_band = (0, 0, 900, 30)
    assert a.crop(title_band).tobytes() != b.crop(title_band).tobytes()
    assert a.crop((0, 40, 900, 380)).tobytes() == b.crop((0, 40, 900, 380)).tobytes()


def test_chart_survives_crawled_dollar_signs(first_report):
    first_report.title = "$\\frac{1}{0}$ 花了$5和$6"                   # not parsed as mathtext
    assert _image(trend_chart(first_report)).size == (900, 380)
