"""Checks on the spider classes themselves (their behaviour is tested against the fixture servers)."""
import inspect

import pytest
from scrapy.utils.misc import is_generator_with_return_value

from crawlers import settings
from crawlers.spiders import spider_for

KINDS = ["feed", "sitemap", "listing", "weibo", "search"]


@pytest.mark.parametrize("kind", KINDS)
def test_no_generator_callback_returns_a_value(kind):
    # crawlers/settings.py turns Scrapy's per-call check off; this is that check, once.
    assert settings.WARN_ON_GENERATOR_RETURN_VALUE is False
    spider = spider_for(kind)
    methods = [m for _, m in inspect.getmembers(spider, inspect.isfunction)
               if m.__module__.startswith("crawlers.")]
    assert any(inspect.isgeneratorfunction(m) for m in methods)
    offenders = [m.__qualname__ for m in methods if is_generator_with_return_value(m)]
    assert offenders == []


def test_the_check_sees_a_returned_value():
    def bad(response):
        yield 1
        return 2

    assert is_generator_with_return_value(bad)
