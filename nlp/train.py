"""Training and evaluation of the tagger: `jianyu nlp train` and `jianyu nlp evaluate`."""
from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline

from .corpus import CORPUS_DIR, Example, corpus_hash, load_corpus, split
from .labels import Sentiment, Topic
from .normalize import normalize
from .tokenize import tokenize
from .tagger import LABELS, MODEL_DIR, Labels, Tagger, build_classifier, build_features

log = logging.getLogger(__name__)


def gold(ex: Example, label: str) -> str:
    if label == "relevant":
        return "true" if ex.relevant else "false"
    return getattr(ex, label).value


def predicted(lab: Labels, label: str) -> str:
    if label == "relevant":
        return "true" if lab.relevant else "false"
    return getattr(lab, label).value


def fit(examples: Sequence[Example]) -> Tagger:
    texts = [normalize(ex.text) for ex in examples]
    tokens = [tokenize(t) for t in texts]
    features = build_features().fit(texts, tokens=tokens)
    X = features.transform_tokens(texts, tokens)
    pipelines = {}
    for label in LABELS:
        y = [gold(ex, label) for ex in examples]
        clf = build_classifier(label).fit(X, y)
        pipelines[label] = Pipeline([("features", features), ("clf", clf)])
    return Tagger(pipelines)


def scores(tagger: Tagger, examples: Sequence[Example]) -> dict[str, Any]:
    """The `jianyu nlp evaluate --json` document."""
    preds = tagger.predict([normalize(ex.text) for ex in examples])
    report: dict[str, Any] = {"n": len(examples)}
    for label in LABELS:
        y_true = [gold(ex, label) for ex in examples]
        y_pred = [predicted(p, label) for p in preds]
        report[label] = label_scores(label, y_true, y_pred)
    return report


def label_scores(label: str, y_true: list[str], y_pred: list[str]) -> dict[str, Any]:
    codes = {"relevant": ["true", "false"], "sentiment": [s.value for s in Sentiment],
             "topic": [t.value for t in Topic]}[label]
    present = [c for c in codes if c in set(y_true) | set(y_pred)]
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=present, zero_division=0)
    confusion: dict[str, dict[str, int]] = {c: {} for c in present}
    for t, q in zip(y_true, y_pred):
        confusion[t][q] = confusion[t].get(q, 0) + 1
    return {
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4) if y_true else 0.0,
        "macro_f1": round(float(f1_score(y_true, y_pred, labels=[c for c in present if c in set(y_true)],
                                         average="macro", zero_division=0)), 4) if y_true else 0.0,
        "per_class": {c: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                          "f1": round(float(f[i]), 4), "support": int(s[i])} for i, c in enumerate(present)},
        "confusion": confusion,
    }


def cross_validate(examples: Sequence[Example], folds: int = 5) -> dict[str, float]:
    """Macro-F1 per label, k-fold over the training split only (stratified by topic)."""
    texts = [normalize(ex.text) for ex in examples]
    strat = [ex.topic.value for ex in examples]
    totals: dict[str, list[float]] = {label: [] for label in LABELS}
    splits = StratifiedKFold(folds, shuffle=True, random_state=0).split(texts, strat)
    for k, (train_idx, test_idx) in enumerate(splits, 1):
        log.info("cross-validation fold %d of %d", k, folds)
        tagger = fit([examples[i] for i in train_idx])
        preds = tagger.predict([texts[i] for i in test_idx])
        for label in LABELS:
            y_true = [gold(examples[i], label) for i in test_idx]
            y_pred = [predicted(p, label) for p in preds]
            totals[label].append(f1_score(y_true, y_pred, average="macro", zero_division=0))
    return {label: round(float(np.mean(v)), 4) for label, v in totals.items()}


def cross_group(examples: Sequence[Example]) -> dict[str, dict[str, float]]:
    """Train on every corpus file but one, score on that one: how the tagger does on
    posts written by other hands for other platforms."""
    out = {}
    groups = sorted({ex.group for ex in examples})
    for g in groups:
        test = [ex for ex in examples if ex.group == g]
        train = [ex for ex in examples if ex.group != g]
        if not test or not train:
            continue
        rep = scores(fit(train), test)
        out[g] = {label: rep[label]["macro_f1"] for label in LABELS}
    return out


def train(corpus_dir: Path = CORPUS_DIR, model_dir: Path = MODEL_DIR, *, with_cv: bool = True) -> Tagger:
    started = time.monotonic()
    examples = load_corpus(corpus_dir)
    train_set, heldout = split(examples)
    log.info("training on %d posts, holding out %d", len(train_set), len(heldout))
    cv = cross_validate(train_set) if with_cv else {}
    tagger = fit(train_set)
    held = scores(tagger, heldout)
    tagger.card = {
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "training_data": {
            "sha256": corpus_hash(corpus_dir),
            "files": sorted({ex.group for ex in examples}),
            "posts": len(examples), "train": len(train_set), "heldout": len(heldout),
            "split": "fixed: sha256(id) mod 5 == 0 is held out",
            "topics": dict(Counter(ex.topic.value for ex in train_set)),
            "sentiments": dict(Counter(ex.sentiment.value for ex in train_set)),
        },
        "features": "words (jieba dictionary + domain user dictionary) + hashed char 1-3 grams, TF-IDF",
        "classifier": "LinearSVC per label, class_weight=balanced",
        "cv_macro_f1_train_split": cv,
        "heldout": {label: {"macro_f1": held[label]["macro_f1"], "accuracy": held[label]["accuracy"]}
                    for label in LABELS},
        "heldout_relevant_f1": held["relevant"]["per_class"].get("true", {}).get("f1"),
        "train_seconds": round(time.monotonic() - started, 1),
    }
    tagger.save(model_dir)
    return tagger


def evaluate_file(path: Path, model_dir: Path | None = None) -> dict[str, Any]:
    from .corpus import read_labeled

    examples = list(read_labeled(Path(path)))
    return scores(Tagger.load(model_dir), examples)


def format_report(report: dict[str, Any]) -> str:
    """Readable tables for `jianyu nlp evaluate` without --json."""
    lines = [f"posts scored: {report['n']}"]
    for label in LABELS:
        r = report[label]
        lines.append("")
        lines.append(f"{label}: accuracy {r['accuracy']:.3f}  macro-F1 {r['macro_f1']:.3f}")
        lines.append(f"  {'label':16s} {'precision':>9s} {'recall':>7s} {'f1':>6s} {'support':>8s}")
        for code, c in r["per_class"].items():
            lines.append(f"  {code:16s} {c['precision']:9.3f} {c['recall']:7.3f} {c['f1']:6.3f} {c['support']:8d}")
        codes = list(r["confusion"])
        width = max(6, *(len(c) for c in codes))
        lines.append("  confusion (rows: true, columns: predicted)")
        lines.append("  " + " " * (width + 1) + " ".join(f"{c[:width]:>{width}s}" for c in codes))
        for t in codes:
            lines.append(f"  {t:{width}s} " + " ".join(f"{r['confusion'][t].get(q, 0):{width}d}" for q in codes))
    return "\n".join(lines)
