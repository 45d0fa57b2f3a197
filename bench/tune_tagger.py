"""Choose the tagger's features and classifier by 5-fold cross-validation on the
training split only; the held-out split is never read here.

    .venv/bin/python bench/tune_tagger.py

Prints macro-F1 per label for each variant. The choice in nlp/tagger.py is the best
(or, within noise, the simplest and fastest) of these.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from nlp.corpus import load_corpus, split  # noqa: E402
from nlp.features import TextFeatures  # noqa: E402
from nlp.normalize import normalize  # noqa: E402
from nlp.tokenize import tokenize  # noqa: E402
from nlp.train import gold  # noqa: E402

LABELS = ("relevant", "sentiment", "topic")


def svc(c: float):
    return lambda: LinearSVC(C=c, class_weight="balanced")


VARIANTS = [
    ("words 1-2 + chars 1-3, svc C=0.5", {}, svc(0.5)),
    ("words 1 + chars 1-3, svc C=0.5", {"word_bigrams": False}, svc(0.5)),
    ("words 1 + chars 1-3, svc C=0.3", {"word_bigrams": False}, svc(0.3)),
    ("words 1 + chars 1-3, svc C=1.0", {"word_bigrams": False}, svc(1.0)),
    ("words 1 + chars 1-2, svc C=0.5", {"word_bigrams": False, "char_ngrams": (1, 2)}, svc(0.5)),
    ("words 1 + chars 1-4, svc C=0.5", {"word_bigrams": False, "char_ngrams": (1, 4)}, svc(0.5)),
    ("words 1 + chars 1-3, min_df 1", {"word_bigrams": False, "min_df": 1}, svc(0.5)),
    ("words 1 + chars 1-3, logistic C=20", {"word_bigrams": False},
     lambda: LogisticRegression(C=20, class_weight="balanced", max_iter=3000)),
]


def main() -> None:
    train, _ = split(load_corpus())
    texts = [normalize(ex.text) for ex in train]
    tokens = [tokenize(t) for t in texts]
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(texts, [ex.topic.value for ex in train]))
    y = {label: np.array([gold(ex, label) for ex in train]) for label in LABELS}
    print(f"{len(train)} training posts, 5 folds; macro-F1")
    for name, kwargs, make in VARIANTS:
        t0 = time.perf_counter()
        scores: dict[str, list[float]] = {label: [] for label in LABELS}
        for tr, te in folds:
            f = TextFeatures(**kwargs).fit([texts[i] for i in tr], tokens=[tokens[i] for i in tr])
            Xtr = f.transform_tokens([texts[i] for i in tr], [tokens[i] for i in tr])
            Xte = f.transform_tokens([texts[i] for i in te], [tokens[i] for i in te])
            for label in LABELS:
                pred = make().fit(Xtr, y[label][tr]).predict(Xte)
                scores[label].append(f1_score(y[label][te], pred, average="macro"))
        print(f"{name:38s} " + "  ".join(f"{k} {np.mean(v):.3f}" for k, v in scores.items())
              + f"   ({time.perf_counter() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
