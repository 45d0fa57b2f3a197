"""The crawl process's own settings (crawlers.process)."""
import ctypes
import ctypes.util
import sys

import pytest

from crawlers.process import tune_allocator


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_allocator_settings_are_taken_on_glibc():
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    if not hasattr(libc, "gnu_get_libc_version"):
        pytest.skip("not glibc")
    assert tune_allocator() is True
    assert tune_allocator() is True      # again: same values, no harm
