"""nlp.normalize: HTML, width, invisible characters, whitespace, Traditional → Simplified,
length cap; never raises, idempotent."""
from __future__ import annotations

import json
import random
import time
import unicodedata
from pathlib import Path

import opencc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp import normalize as nm
from nlp.normalize import DEFAULT_MAX_CHARS, EMOTICON, html_to_text, normalize, to_simplified

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "nlp" / "corpus"


def corpus_texts() -> list[str]:
    texts = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                try:
                    texts.append(json.loads(line)["text"])
                except (ValueError, KeyError):
                    pass
    return texts


# -- HTML ---------------------------------------------------------------------------------
def test_html_page_to_text():
    page = """<!DOCTYPE html><html><head><title>通报</title>
    <style>p { color: red }</style><script>var a = 1 < 2 && "</p>";</script></head>
    <body><!-- 广告 --><div>第一段<br>第二行</div><p>第&nbsp;三&amp;段</p>
    <noscript>请开启脚本</noscript><ul><li>甲</li><li>乙</li></ul></body></html>"""
    assert normalize(page) == "通报\n第一段\n第二行\n\n第 三&段\n\n甲\n乙"


def test_html_to_text_is_public_and_keeps_pre_spacing():
    assert html_to_text("<p>a</p><pre>x   y</pre>") == "a\n\nx y"   # runs of spaces still collapse
    assert html_to_text("<td>甲</td><td>乙</td>") == "甲 乙"
    assert html_to_text("") == ""


def test_html_whitespace_is_collapsed_and_cjk_line_breaks_vanish():
    assert normalize("<p>青石县\n  人民检察院\n依法</p>") == "青石县人民检察院依法"
    assert normalize("<p>word\none</p>") == "word one"


def test_broken_markup():
    assert normalize("<p>未闭合<div>段落<b>粗") == "未闭合\n段落粗"
    assert normalize("<div>正文</div>尾巴 <span class=") == "正文\n尾巴 <span class="
    assert normalize("<p>a < b 且 c > d</p>") == "a < b 且 c > d"
    assert normalize("<p>x</p><script>alert(1)") == "x"          # unclosed script drops the rest
    assert normalize("<scr<script>ipt>alert(1)</script>") == "ipt>alert(1)"
    assert normalize("<![if !IE]>旧<![endif]><p>新</p>") == "旧\n\n新"
    assert normalize("</>") == "</>"


def test_plain_text_with_angle_brackets_survives():
    for text in ("a < b", "a<b", "1<2", "x > y", "<<标题>>", "比分 3<5", "a <b", "<人民的名义>"):
        assert normalize(text) == text


def test_html_only_text_is_empty():
    assert normalize("<html><head><script>x()</script><style>p{}</style></head><body></body></html>") == ""
    assert normalize("<br><br/><hr>") == ""
    assert normalize("<!-- 只有注释 -->") == ""


def test_entities_only_keep_line_breaks():
    assert normalize("第一行\n第二行 &amp; 第三 &lt;检察&gt; &#12309; &#x4e00;") == "第一行\n第二行 & 第三 <检察> 〕 一"
    assert normalize("AT&T P&G &foo; a&b") == "AT&T P&G &foo; a&b"


def test_double_escaped_markup_is_cleaned():
    assert normalize("&lt;p&gt;检察院&lt;/p&gt;") == "检察院"
    assert normalize("&amp;amp;amp;") == "&"
    assert normalize("&#65308;b&#65310;粗") == "粗"               # full-width < > as entities


def test_weibo_html_keeps_mentions_and_emoticons():
    html = ('<a href="/n/青石检察">@青石检察</a>：处理得好<span class="url-icon">'
            '<img alt="[赞]" src="https://h5.sinaimg.cn/m/emoticon/icon/default/d_zan.png"></span>'
            '<img alt="photo" src="x.jpg"><br />#检察护航#')
    assert normalize(html) == "@青石检察：处理得好[赞]\n#检察护航#"


def test_parser_failure_falls_back_to_patterns(monkeypatch):
    def boom(self, data):
        raise AssertionError("parser exploded")

    monkeypatch.setattr(nm._TextExtractor, "feed", boom)
    assert html_to_text("<p>甲<script>x</script></p><b>乙</b>&amp;") == "甲 乙 &"


# -- width, invisible characters, whitespace ------------------------------------------------
def test_full_width_to_half_width():
    assert normalize("Ａ１２３０９＠＃ｄｏｇｅ") == "A12309@#doge"
    # Chinese sentence punctuation is how Chinese is written: it stays full-width.
    assert normalize("拨打１２３０９，转接！？（急）：；") == "拨打12309，转接！？（急）：；"
    assert normalize("［怒］＃话题＃") == "[怒]#话题#"
    assert normalize("检察　院") == "检察 院"


def test_chinese_punctuation_is_kept():
    assert normalize("好。坏、“引号”‘单’《书名》【标题】「括」…—") == "好。坏、“引号”‘单’《书名》【标题】「括」…—"


def test_invisible_and_control_characters_go():
    text = "\ufeff检\u200b察\u200c院\u200d\u200e\u200f\u202a\u202e\u2060依\u00ad法\x00\x07\x1b[0m\x7f\x9f"
    assert normalize(text) == "检察院依法[0m"
    assert normalize("\ud800孤\udfff立") == "孤立"
    assert normalize("乱码\ufffd\ufffd结束") == "乱码结束"


def test_every_format_and_control_character_is_handled():
    """The table covers every Cc/Cf/Cs/Zs/Zl/Zp character of this Python's Unicode data."""
    missing = [hex(cp) for cp in range(0x110000)
               if unicodedata.category(chr(cp)) in ("Cc", "Cf", "Cs", "Zs", "Zl", "Zp")
               and cp not in nm._PREP and chr(cp) not in " \n"]
    assert missing == []


def test_whitespace():
    assert normalize("  a \t\t b   c  ") == "a b c"
    assert normalize("第一段  \r\n第二行\r\n\r\n\r\n\r\n  第三段\n\n\n\n") == "第一段\n第二行\n\n第三段"
    assert normalize("a\u2028b\u2029c\x85d\x0be") == "a\nb\nc\nd\ne"
    assert normalize("\u3000\u3000缩进的段落") == "缩进的段落"
    assert normalize(" \n\t ") == ""
    assert normalize("") == ""


# -- emoticons ------------------------------------------------------------------------------
def test_emoticon_codes_survive():
    text = "抓得好[赞][怒][允悲][doge][笑cry][二哈]"
    assert normalize(text) == text
    assert normalize("［怒］好") == "[怒]好"
    assert EMOTICON.findall(normalize("[憤怒]這個檢察院[贊]")) == ["[憤怒]", "[贊]"]
    assert normalize("[憤怒]這個檢察院[贊]") == "[憤怒]这个检察院[贊]"


# -- Traditional → Simplified --------------------------------------------------------------
def test_traditional_to_simplified():
    assert normalize("雲州市檢察院對涉嫌串通投標的5名被告人提起公訴。") == "云州市检察院对涉嫌串通投标的5名被告人提起公诉。"
    assert normalize("檢察官阿姨每個月都來看我們班") == "检察官阿姨每个月都来看我们班"


def test_simplified_text_is_left_alone():
    for text in ("东西被打坏了", "手机坏了。检察院", "沈阳市检察院的沈检察官", "什么情况", "著名", "覆盖全省"):
        assert normalize(text) == text
    assert normalize("東西被打壞了，打坏") == "东西被打坏了，打坏"


def test_t2s_reaches_a_fixed_point():
    once = to_simplified("畢昇")
    assert once == "毕升" and to_simplified(once) == once


def test_opencc_runs_only_when_needed(monkeypatch):
    t2s = nm._load_t2s()
    calls = []

    class Spy:
        def convert(self, text):
            calls.append(text)
            return text

    monkeypatch.setattr(t2s, "cc", Spy())
    normalize("青石县人民检察院依法对犯罪嫌疑人王某某批准逮捕，12309[怒]")
    assert calls == []
    normalize("檢察院")
    assert calls == ["檢察院"]


def test_t2s_trigger_file_covers_every_changing_character():
    """No character outside the trigger set is changed by t2s on its own."""
    t2s = nm._load_t2s()
    cc = opencc.OpenCC("t2s")
    ranges = [(0x2E80, 0x2FDF), (0x3000, 0x303F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
              (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0x20000, 0x2FA1F)]
    chars = [chr(cp) for lo, hi in ranges for cp in range(lo, hi + 1)
             if unicodedata.category(chr(cp)) not in ("Cn", "Cs")]
    converted = cc.convert("\n".join(chars)).split("\n")
    assert len(converted) == len(chars)
    missed = [c for c, o in zip(chars, converted) if o != c and not t2s.may_change(c) and c != nm._KEEP]
    assert missed == []


def test_t2s_trigger_file_matches_installed_opencc():
    tools = ROOT / "tools"
    if not (Path(opencc.__file__).parent / "clib" / "bin" / "opencc_dict").exists():
        pytest.skip("this opencc build ships no opencc_dict tool")
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_t2s_triggers", tools / "make_t2s_triggers.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.render(mod.trigger_entries()) == nm.T2S_TRIGGERS_FILE.read_text(encoding="utf-8"), \
        "nlp/data/t2s_triggers.txt is stale: run python tools/make_t2s_triggers.py"


# -- nasty input ---------------------------------------------------------------------------
def test_binary_junk():
    junk = random.Random(7).randbytes(200_000).decode("utf-8", errors="replace")
    out = normalize(junk)
    assert normalize(out) == out
    assert "\ufffd" not in out
    assert not any(unicodedata.category(c) in ("Cc", "Cs", "Cf") and c != "\n" for c in out)


def test_five_megabyte_post():
    text = ("青石县人民检察院依法批准逮捕。 檢察官說明情況 ＡＢＣ " * 200_000)[:5_000_000]
    start = time.perf_counter()
    out = normalize(text)
    elapsed = time.perf_counter() - start
    assert len(out) <= DEFAULT_MAX_CHARS and out.startswith("青石县人民检察院依法批准逮捕。 检察官说明情况 ABC")
    assert elapsed < 5, f"normalize took {elapsed:.1f} s on 5 MB"
    html = "<div><p>段落&nbsp;内容</p><script>x</script></div>" * 150_000
    out = normalize(html)
    assert 0 < len(out) <= DEFAULT_MAX_CHARS and "script" not in out and "<" not in out


def test_emoji_and_mixed_scripts():
    assert normalize("检察官好帅🥰👍🏻💯") == "检察官好帅🥰👍🏻💯"
    assert normalize("❤️👨\u200d👩\u200d👧") == "❤👨👩👧"                    # VS16 and ZWJ are invisible
    mixed = "Привет мир こんにちは 안녕하세요 مرحبا שלום Ελληνικά 检察院 café"
    assert normalize(mixed) == mixed


def test_max_chars():
    assert normalize("a" * 200, max_chars=50) == "a" * 50
    assert normalize("甲 " * 100, max_chars=4) == "甲 甲"                # cut, then stripped
    assert len(normalize("x" * (DEFAULT_MAX_CHARS + 10))) == DEFAULT_MAX_CHARS
    with pytest.raises(ValueError, match="max_chars"):
        normalize("x", max_chars=0)


def test_not_a_string():
    with pytest.raises(TypeError, match="str"):
        normalize(b"bytes")  # type: ignore[arg-type]


def test_corpus_is_idempotent():
    for text in corpus_texts():
        once = normalize(text)
        assert normalize(once) == once, text


# -- properties ----------------------------------------------------------------------------
PIECES = ["<", ">", "&", "amp;", "lt;", "gt;", "#", ";", "<p>", "</p>", "<br>", "<script>",
          "</script>", "<!--", "-->", "&#65308;", "&#x3c;", "&nbsp;", "＜", "＞", "＆", "Ａ", "１",
          "　", "\u200b", "\u200d", "\ufeff", "\r\n", "\r", "\n", " ", "\t", "b", "a", "檢", "察",
          "院", "検", "畢昇", "乾", "坏", "打坏", "沈思", "麼", "[怒]", "[", "]", "[憤怒]", "12309",
          "🥰", "\ud800", "\x00", "\x85", "\u2028", "<img alt='[赞]'>", "<pre>", "</pre>", "&amp"]

any_text = st.text(alphabet=st.characters(exclude_categories=()), max_size=300)
markup_text = st.lists(st.sampled_from(PIECES) | st.text(max_size=3), max_size=40).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(any_text, markup_text))
def test_normalize_never_raises_and_is_idempotent(text):
    once = normalize(text)
    assert isinstance(once, str) and len(once) <= DEFAULT_MAX_CHARS
    assert normalize(once) == once
    assert once == once.strip()


@settings(max_examples=300, deadline=None)
@given(st.one_of(any_text, markup_text), st.integers(min_value=1, max_value=40))
def test_idempotent_with_a_small_cap(text, cap):
    once = normalize(text, max_chars=cap)
    assert len(once) <= cap
    assert normalize(once, max_chars=cap) == once
