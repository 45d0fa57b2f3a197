"""The tagger: relevance, sentiment and topic classifiers over one shared feature extractor.

Each label has its own scikit-learn Pipeline (features → classifier); the three share one
fitted feature step, so a batch is vectorized once. The model folder holds `tagger.pkl`
and the model card `tagger.json`, which the loader checks before unpickling.
"""
from __future__ import annotations

import hashlib
import json
import logging
import pickle
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import sklearn
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from .errors import ModelError
from .features import TextFeatures
from .labels import Sentiment, Topic
from .tokenize import tokenize_for_model

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).parent / "models"
MODEL_FILE = "tagger.pkl"
CARD_FILE = "tagger.json"
MODEL_FORMAT = 2
LABELS = ("relevant", "sentiment", "topic")
TRAIN_HINT = "run `jianyu nlp train` to build it"


@dataclass(frozen=True)
class Labels:
    relevant: bool
    sentiment: Sentiment
    topic: Topic


def build_features() -> TextFeatures:
    """Words from our segmentation, plus character 1-3-grams that survive
    typos, abbreviations and unseen words."""
    return TextFeatures(tokenizer=tokenize_for_model, word_bigrams=False, char_ngrams=(1, 3))


def build_classifier(label: str):
    return LinearSVC(C=0.5, class_weight="balanced", random_state=0)


class Tagger:
    def __init__(self, pipelines: dict[str, Pipeline], card: dict[str, Any] | None = None):
        missing = [k for k in LABELS if k not in pipelines]
        if missing:
            raise ModelError(f"the model has no classifier for {', '.join(missing)}; {TRAIN_HINT}")
        self.pipelines = pipelines
        self.features = pipelines["relevant"].steps[0][1]
        self.card = card or {}

    def predict(self, texts: Sequence[str], tokens: Sequence[list[str]] | None = None) -> list[Labels]:
        """Labels for normalized texts (title and body joined by a newline). Pass the
        texts' tokens when they are already at hand, to save segmenting twice."""
        if not texts:
            return []
        X = self.features.transform(texts) if tokens is None else self.features.transform_tokens(texts, tokens)
        rel = self.pipelines["relevant"].steps[-1][1].predict(X) == "true"
        sen = self.pipelines["sentiment"].steps[-1][1].predict(X)
        topic_clf = self.pipelines["topic"].steps[-1][1]
        scores = topic_clf.decision_function(X)
        classes = np.asarray(topic_clf.classes_)
        irrelevant = classes == Topic.IRRELEVANT.value
        scores[:, irrelevant] = -np.inf  # relevance decides; topic picks among the real topics
        topics = np.where(rel, classes[np.argmax(scores, axis=1)], Topic.IRRELEVANT.value)
        sentiments = {s.value: s for s in Sentiment}
        topic_of = {t.value: t for t in Topic}
        return [Labels(relevant=bool(r), sentiment=sentiments[s], topic=topic_of[t])
                for r, s, t in zip(rel, sen, topics)]

    # -- persistence -----------------------------------------------------------
    def save(self, folder: Path = MODEL_DIR) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        blob = pickle.dumps(self.pipelines, protocol=5)
        card = dict(self.card)
        card.update(model_card_environment())
        card["format"] = MODEL_FORMAT
        card["artifact_sha256"] = hashlib.sha256(blob).hexdigest()
        card["labels"] = label_codes()
        tmp = folder / (MODEL_FILE + ".tmp")
        tmp.write_bytes(blob)
        tmp.replace(folder / MODEL_FILE)
        (folder / CARD_FILE).write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        self.card = card

    @classmethod
    def load(cls, folder: Path | None = None) -> "Tagger":
        folder = Path(folder or MODEL_DIR)
        card_path, model_path = folder / CARD_FILE, folder / MODEL_FILE
        if not card_path.is_file() or not model_path.is_file():
            raise ModelError(f"no trained tagger in {folder}; {TRAIN_HINT}")
        try:
            card = json.loads(card_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ModelError(f"unreadable model card {card_path}: {e}; {TRAIN_HINT}") from None
        problems = check_card(card)
        if problems:
            raise ModelError(f"the tagger in {folder} does not match this installation "
                             f"({'; '.join(problems)}); {TRAIN_HINT}")
        blob = model_path.read_bytes()
        if hashlib.sha256(blob).hexdigest() != card.get("artifact_sha256"):
            raise ModelError(f"{model_path} is not the file its model card describes; {TRAIN_HINT}")
        pipelines = pickle.loads(blob)  # noqa: S301 - our own artifact, hash-checked above
        return cls(pipelines, card)


def label_codes() -> dict[str, list[str]]:
    return {"relevant": ["true", "false"],
            "sentiment": [s.value for s in Sentiment],
            "topic": [t.value for t in Topic]}


def model_card_environment() -> dict[str, Any]:
    import importlib.metadata as md

    versions = {}
    for dist in ("scikit-learn", "numpy", "scipy", "jieba", "rjieba", "opencc"):
        try:
            versions[dist] = md.version(dist)
        except md.PackageNotFoundError:
            versions[dist] = None
    return {"python": platform.python_version(), "versions": versions}


def check_card(card: dict[str, Any]) -> list[str]:
    problems = []
    if card.get("format") != MODEL_FORMAT:
        problems.append(f"model format {card.get('format')} != {MODEL_FORMAT}")
    trained = (card.get("versions") or {}).get("scikit-learn")
    if trained != sklearn.__version__:
        problems.append(f"trained with scikit-learn {trained}, running {sklearn.__version__}")
    if card.get("labels") != label_codes():
        problems.append("label codes differ from nlp/labels.py")
    return problems
