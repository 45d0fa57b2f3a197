"""crawlers.middlewares.MetaRefreshMiddleware: Scrapy's meta-refresh redirects, with pages
that cannot hold a refresh passed on without being decoded."""
import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawlers import settings as defaults
from crawlers.middlewares import MetaRefreshMiddleware

PAGE = '<html><head>{meta}<title>公告</title></head><body><p>{filler}</p></body></html>'
REFRESH = '<META HTTP-EQUIV="Refresh" CONTENT="0; URL=/news/moved.html">'


@pytest.fixture
def mw():
    crawler = get_crawler(settings_dict={"DOWNLOADER_MIDDLEWARES": defaults.DOWNLOADER_MIDDLEWARES})
    return MetaRefreshMiddleware.from_crawler(crawler)


def respond(meta: str, encoding: str, filler: str = "青石縣人民檢察院") -> tuple[Request, HtmlResponse]:
    url = "http://127.0.0.1:9/news/old.html"
    body = PAGE.format(meta=meta, filler=filler).encode(encoding)
    return Request(url), HtmlResponse(url, body=body, headers={"Content-Type": f"text/html; charset={encoding}"})


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "gb18030", "big5", "utf-16", "utf-32"])
def test_a_refresh_is_followed_in_every_encoding(mw, encoding):
    request, response = respond(REFRESH, encoding)
    out = mw.process_response(request, response)
    assert isinstance(out, Request) and out.url == "http://127.0.0.1:9/news/moved.html"


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "big5"])
def test_a_page_without_refresh_is_passed_on_undecoded(mw, encoding):
    request, response = respond("", encoding, filler="依法提起公訴。" * 50)
    assert mw.process_response(request, response) is response
    assert getattr(response, "_cached_ubody", None) is None   # Scrapy's decoded text: never made


def test_the_word_elsewhere_goes_through_scrapys_check(mw):
    request, response = respond("", "utf-8", filler="please refresh the page")
    assert mw.process_response(request, response) is response


def test_a_refresh_past_the_first_4096_characters_is_not_followed_as_in_scrapy(mw):
    request, response = respond("", "utf-8", filler="檢" * 5000 + REFRESH)
    assert mw.process_response(request, response) is response
