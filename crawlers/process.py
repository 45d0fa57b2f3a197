"""Settings of the crawl process itself, made once its models are loaded and before pages
arrive: Python's cyclic collector and glibc's memory allocator.

- The chain's models (tagger vocabulary, IDF table, gazetteer) live as long as the process:
  frozen, they leave the cyclic collector's full passes, which otherwise walk them again and
  again (a fifth of a crawl's time). Pages, posts and tokens make many short-lived objects
  and few cycles: young collections every 20,000 allocations instead of every 700.
- Tagging and SimHash work on NumPy arrays of a few hundred KiB to a few MiB per batch.
  glibc serves a block that large from a fresh mmap and unmaps it when freed, so every
  batch pays a page fault for each 4 KiB it touches (800,000 faults tagging 6,000 posts).
  Blocks up to 32 MiB now come from the heap, and up to 128 MiB of freed heap is kept for
  the next batch instead of being handed back: a crawl process stays that much larger.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import sys

log = logging.getLogger(__name__)

GC_YOUNG = 20_000     # allocations between young-generation collections (Python's default: 700)
GC_OLDER = 20         # collections of a generation before the next one is collected (default: 10)
M_TRIM_THRESHOLD = -1           # glibc mallopt parameters (malloc.h)
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20       # the largest value glibc accepts on 64-bit machines
TRIM_THRESHOLD = 128 << 20


def tune_process() -> None:
    gc.freeze()
    gc.set_threshold(GC_YOUNG, GC_OLDER, GC_OLDER)
    tune_allocator()


def tune_allocator() -> bool:
    """Keep mid-sized blocks on glibc's heap (see the module docstring). False, and
    nothing changed, where the C library is not glibc."""
    libc = glibc()
    if libc is None:
        return False
    mallopt = libc.mallopt
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    ok = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    if not ok:
        log.debug("glibc did not take the allocator settings; crawling with its defaults")
    return ok


def glibc():
    """The C library when it is glibc, else None (musl and others: mallopt is a no-op there)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "gnu_get_libc_version") and hasattr(libc, "mallopt") else None
