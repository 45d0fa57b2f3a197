"""crawlers.encoding: GBK, GB2312, GB18030, Big5 and UTF-8 pages, declared in the header,
in the page, nowhere, and wrongly."""
import codecs
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawlers.encoding import decode_body

SIMPLIFIED = ("云州市人民检察院依法对一起破坏生态环境案提起公益诉讼，要求被告修复受损林地、补植复绿。"
              "检察官表示，将持续加强生态环境和资源保护领域的法律监督，守护绿水青山。")
TRADITIONAL = ("雲州市人民檢察院依法對一起破壞生態環境案提起公益訴訟，要求被告修復受損林地、補植復綠。"
               "檢察官表示，將持續加強生態環境和資源保護領域的法律監督，守護綠水青山。")
GBK_ONLY = "承办检察官张喆、朱镕基同名者"           # 喆 镕 are in GBK, not in GB 2312
GB18030_ONLY = "古籍中的𠮷字与刘䶮"                 # 𠮷 is four bytes in GB18030, 䶮 is not in GBK
BIG5 = ("big5hkscs", "cp950")


def page(text: str, head: str = "") -> str:
    return (f"<!DOCTYPE html><html><head>{head}<title>{text[:8]}</title></head>"
            f"<body><div class=\"content\"><p>{text}</p></div></body></html>")


def meta(charset: str) -> str:
    return f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'


# -- declared in the HTTP header ---------------------------------------------------------------
@pytest.mark.parametrize("label", ["gbk", "GBK", "gb2312", "GB2312", "x-gbk", "gb18030", "cp936"])
def test_gbk_declared_in_header(label):
    html = page(SIMPLIFIED + GBK_ONLY)
    text, enc = decode_body(html.encode("gbk"), f"text/html; charset={label}")
    assert (text, enc) == (html, "gb18030")


def test_gb2312_page_declared_in_header():
    html = page(SIMPLIFIED)
    assert decode_body(html.encode("gb2312"), "text/html;charset=GB2312") == (html, "gb18030")


def test_gb18030_four_byte_character():
    html = page(SIMPLIFIED + GB18030_ONLY)
    body = html.encode("gb18030")
    assert "𠮷".encode("gb18030") in body and len("𠮷".encode("gb18030")) == 4
    for content_type in ("text/html; charset=gb18030", "text/html; charset=gbk", None):
        assert decode_body(body, content_type) == (html, "gb18030")


def test_big5_declared_in_header():
    html = page(TRADITIONAL)
    text, enc = decode_body(html.encode("big5"), 'text/html; charset="big5"')
    assert text == html and enc in BIG5


def test_header_as_bytes_as_scrapy_gives_it():
    html = page(SIMPLIFIED)
    assert decode_body(html.encode("gbk"), b"text/html; charset=GBK") == (html, "gb18030")


# -- declared in the page -------------------------------------------------------------------------
@pytest.mark.parametrize("head", [
    '<meta charset="gbk">', "<meta charset=gb2312>", meta("gb2312"), meta("GBK"),
    '<meta content="text/html; charset=gb2312" http-equiv="Content-Type" />',
])
def test_gbk_declared_in_meta(head):
    html = page(SIMPLIFIED, head)
    assert decode_body(html.encode("gbk")) == (html, "gb18030")
    assert decode_body(html.encode("gbk"), "text/html") == (html, "gb18030")


def test_big5_declared_in_meta():
    html = page(TRADITIONAL, '<meta charset="big5">')
    text, enc = decode_body(html.encode("big5"))
    assert text == html and enc in BIG5


def test_xml_declaration():
    xml = f'<?xml version="1.0" encoding="GBK"?><rss><channel><title>{SIMPLIFIED}</title></channel></rss>'
    assert decode_body(xml.encode("gbk"), "application/xml") == (xml, "gb18030")


def test_header_wins_over_meta():
    html = page(SIMPLIFIED, meta("big5"))
    assert decode_body(html.encode("gbk"), "text/html; charset=gbk") == (html, "gb18030")


# -- declared nowhere ------------------------------------------------------------------------------
def test_gbk_undeclared():
    html = page(SIMPLIFIED + GBK_ONLY)
    assert decode_body(html.encode("gbk")) == (html, "gb18030")


def test_gb2312_undeclared():
    html = page(SIMPLIFIED)
    assert decode_body(html.encode("gb2312")) == (html, "gb18030")


def test_big5_undeclared():
    html = page(TRADITIONAL)
    text, enc = decode_body(html.encode("big5"))
    assert text == html and enc in BIG5


def test_cp950_only_character():
    html = page(TRADITIONAL + "票價 100 €")
    text, enc = decode_body(html.encode("cp950"))
    assert text == html and enc == "cp950"


def test_utf8_undeclared():
    html = page(SIMPLIFIED + GB18030_ONLY)
    assert decode_body(html.encode("utf-8")) == (html, "utf-8")


def test_ascii():
    assert decode_body(b"<html><body>plain</body></html>") == ("<html><body>plain</body></html>", "utf-8")


# -- declared wrongly --------------------------------------------------------------------------------
def test_says_utf8_in_header_but_is_gbk():
    html = page(SIMPLIFIED)
    assert decode_body(html.encode("gbk"), "text/html; charset=utf-8") == (html, "gb18030")


def test_says_utf8_in_meta_but_is_gbk():
    html = page(SIMPLIFIED, '<meta charset="utf-8">')
    assert decode_body(html.encode("gbk")) == (html, "gb18030")


def test_says_gbk_but_is_utf8():
    html = page(SIMPLIFIED, meta("gb2312"))
    assert decode_body(html.encode("utf-8"), "text/html; charset=gbk") == (html, "utf-8")


def test_says_gbk_but_is_big5():
    html = page(TRADITIONAL, meta("gbk"))
    text, enc = decode_body(html.encode("big5"))
    assert text == html and enc in BIG5


def test_says_big5_but_is_gbk():
    html = page(SIMPLIFIED, meta("big5"))
    assert decode_body(html.encode("gbk")) == (html, "gb18030")


def test_says_latin1_but_is_utf8_or_gbk():
    html = page(SIMPLIFIED)
    assert decode_body(html.encode("utf-8"), "text/html; charset=ISO-8859-1") == (html, "utf-8")
    assert decode_body(html.encode("gbk"), "text/html; charset=ISO-8859-1") == (html, "gb18030")


def test_latin1_page_stays_latin():
    html = page("Café, résumé, naïve — déjà vu")
    assert decode_body(html.encode("cp1252"), "text/html; charset=iso-8859-1") == (html, "windows-1252")


def test_unknown_label_is_ignored():
    html = page(SIMPLIFIED)
    assert decode_body(html.encode("gbk"), "text/html; charset=x-no-such-thing") == (html, "gb18030")
    assert decode_body(html.encode("utf-8"), "text/html; charset=rot13") == (html, "utf-8")


# -- byte-order marks -------------------------------------------------------------------------------
def test_utf8_with_bom_wins_over_declarations():
    html = page(SIMPLIFIED, meta("gbk"))
    assert decode_body(codecs.BOM_UTF8 + html.encode("utf-8"), "text/html; charset=gbk") == (html, "utf-8")


@pytest.mark.parametrize("codec, bom", [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE)])
def test_utf16_with_bom(codec, bom):
    html = page(SIMPLIFIED)
    assert decode_body(bom + html.encode(codec)) == (html, codec)


# -- damaged bodies ---------------------------------------------------------------------------------
def test_truncated_in_the_middle_of_a_character():
    html = page(SIMPLIFIED)
    body = html.encode("gbk")
    cut = body[:body.index("守护".encode("gbk")) + 1]           # half of 守
    text, enc = decode_body(cut, "text/html; charset=gbk")
    assert enc == "gb18030" and text.endswith("绿水青山") is False and "\ufffd" not in text
    text, enc = decode_body(html.encode("utf-8")[:-1 - len("</p></div></body></html>".encode()) - 1])
    assert enc == "utf-8" and "\ufffd" not in text


def test_a_few_bad_bytes_in_a_gbk_page():
    body = page(SIMPLIFIED * 3).encode("gbk").replace("守护".encode("gbk"), b"\xff\xff", 1)
    text, enc = decode_body(body, "text/html; charset=gbk")
    assert enc == "gb18030" and "云州市人民检察院" in text and "\ufffd" in text


def test_binary_junk():
    rng = random.Random(7)
    junk = bytes(rng.randrange(256) for _ in range(5000))
    text, enc = decode_body(junk, "text/html; charset=utf-8")
    assert isinstance(text, str) and enc == "utf-8"
    text, enc = decode_body(junk)
    assert isinstance(text, str) and enc == "utf-8"


def test_empty():
    assert decode_body(b"") == ("", "utf-8")
    assert decode_body(b"", "text/html; charset=gbk") == ("", "utf-8")


@settings(max_examples=300, deadline=None)
@given(body=st.one_of(
           st.binary(max_size=2000),
           st.builds(lambda label, rest: b'<meta charset="' + label + b'">' + rest,
                     st.sampled_from([b"gbk", b"big5", b"utf-8", b"utf-16", b"x-junk", b"base64", b""]),
                     st.binary(max_size=500))),
       content_type=st.one_of(st.none(), st.text(max_size=60),
                              st.sampled_from(["text/html; charset=gbk", "text/html; charset=big5",
                                               "text/html; charset=utf-8", "text/html; charset=utf-16",
                                               "text/html; charset=iso-8859-1", "text/html; charset=hz",
                                               "text/html; charset=base64", "text/html; charset=shift_jis"])))
def test_never_raises(body, content_type):
    text, enc = decode_body(body, content_type)
    assert isinstance(text, str) and isinstance(enc, str) and enc
    codecs.lookup(enc)
