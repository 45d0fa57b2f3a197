"""The crawl process's own settings (crawlers.process)."""
import pytest

from crawlers.process import glibc, tune_allocator


@pytest.mark.skipif(glibc() is None, reason="glibc only")
def test_allocator_settings_are_taken_on_glibc():
    assert tune_allocator() is True
    assert tune_allocator() is True      # again: same values, no harm
