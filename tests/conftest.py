"""Shared fixtures: a trained tagger (built once per session into a temp folder if the
package has none), a temporary SQLite store, and the path of the shared design docs."""
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


@pytest.fixture
def store(tmp_path):
    from indexer.sqlite import SqliteStore

    s = SqliteStore(tmp_path / "store.db")
    yield s
    s.close()
