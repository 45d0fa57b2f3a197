"""Shared fixtures: a trained tagger (built once per session into a temp folder if the
package has none), a temporary store, and the path of the shared design docs.

The `store` fixture is SQLite, except in the Store contract suites (CONTRACT_MODULES),
where every test runs three times: on SQLite, on OpenSearch and on Elasticsearch (both
against osmem-server, an in-memory OpenSearch-compatible server; see
tests/indexer/esfixtures.py). A contract test that looks inside SQLite is marked
`sqlite_only`.
"""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    """The package's trained model if it is there and current, else one trained now."""
    from nlp.errors import ModelError
    from nlp.tagger import MODEL_DIR, Tagger

    try:
        Tagger.load(MODEL_DIR)
        return MODEL_DIR
    except ModelError:
        from nlp.train import train

        folder = tmp_path_factory.mktemp("model")
        train(model_dir=folder, with_cv=False)
        return folder


@pytest.fixture(scope="session")
def tagger(model_dir):
    from nlp.tagger import Tagger

    return Tagger.load(model_dir)


BACKENDS = ("sqlite", "opensearch", "elasticsearch")
CONTRACT_MODULES = {"test_store", "test_alertstate", "test_es_crawlstate"}


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: a contract test that runs on the SQLite store only")


def pytest_generate_tests(metafunc):
    if "store" not in metafunc.fixturenames:
        return
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    definition = metafunc.definition
    if module not in CONTRACT_MODULES or definition.get_closest_marker("sqlite_only"):
        return
    metafunc.parametrize("store", BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def osmem():
    """One osmem-server for the session, with the Elasticsearch client's proxy."""
    from tests.indexer.esfixtures import Osmem

    server = Osmem()
    yield server
    server.close()


@pytest.fixture
def store(request, tmp_path):
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        from indexer.sqlite import SqliteStore

        s = SqliteStore(tmp_path / "store.db")
        yield s
        s.close()
        return
    with request.getfixturevalue("osmem").store(backend, tmp_path) as s:
        yield s
