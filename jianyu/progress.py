"""Progress bars for long jobs: shown on a terminal, silent when stderr is a file or pipe."""
from __future__ import annotations

import sys

from tqdm import tqdm


def progress_bar(**kwargs) -> tqdm:
    return tqdm(file=sys.stderr, disable=not sys.stderr.isatty(), dynamic_ncols=True, leave=False, **kwargs)
