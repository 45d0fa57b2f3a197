"""The crawler tests' web server: one subprocess for the whole session (see
``tests/crawlers/mockserver.py`` for its routes)."""
from __future__ import annotations

import pytest

from tests.crawlers.mockserver import MockServer


@pytest.fixture(scope="session")
def mockserver():
    with MockServer() as server:
        yield server
