"""Choose the tagger's features and classifier by 5-fold cross-validation on the
training split only; the held-out split is never read here.

    .venv/bin/python bench/tune_tagger.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.pipeline import FeatureUnion  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from nlp.corpus import load_corpus, split  # noqa: E402
from nlp.normalize import normalize  # noqa: E402
from nlp.tokenize import tokenize_for_model  # noqa: E402
from nlp.train import gold  # noqa: E402


def features(word_ngrams=(1, 2), char_ngrams=(1, 3), char=True, words=True, min_df=2):
    parts = []
    if words:
        parts.append(("words", TfidfVectorizer(tokenizer=tokenize_for_model, token_pattern=None, lowercase=False,
                                               ngram_range=word_ngrams, sublinear_tf=True, dtype=np.float32)))
    if char:
        parts.append(("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=char_ngrams, min_df=min_df,
                                               sublinear_tf=True, dtype=np.float32)))
    return FeatureUnion(parts)


CLASSIFIERS = {
    "svc C=0.1": lambda: LinearSVC(C=0.1, class_weight="balanced"),
    "svc C=0.3": lambda: LinearSVC(C=0.3, class_weight="balanced"),
    "svc C=0.5": lambda: LinearSVC(C=0.5, class_weight="balanced"),
    "svc C=1": lambda: LinearSVC(C=1.0, class_weight="balanced"),
    "logreg C=10": lambda: LogisticRegression(C=10, class_weight="balanced", max_iter=2000),
    "logreg C=30": lambda: LogisticRegression(C=30, class_weight="balanced", max_iter=2000),
}
FEATURES = {
    "words1-2 + chars1-3": dict(),
    "words1-2 + chars1-4": dict(char_ngrams=(1, 4)),
    "words1-2 + chars2-4": dict(char_ngrams=(2, 4)),
    "words1 + chars1-3": dict(word_ngrams=(1, 1)),
    "words1-2 only": dict(char=False),
    "chars1-3 only": dict(words=False),
}


def main() -> None:
    train, _ = split(load_corpus())
    texts = np.array([normalize(ex.text) for ex in train], dtype=object)
    strat = [ex.topic.value for ex in train]
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(texts, strat))
    print(f"{len(train)} training posts, 5 folds; macro-F1 (relevant, sentiment, topic)")
    only = sys.argv[1:]
    for fname, fkw in FEATURES.items():
        cached = [(features(**fkw).fit(texts[tr]), tr, te) for tr, te in folds]
        mats = [(f.transform(texts[tr]), f.transform(texts[te]), tr, te) for f, tr, te in cached]
        for cname, make in CLASSIFIERS.items():
            if only and cname not in only:
                continue
            t0 = time.perf_counter()
            res = {}
            for label in ("relevant", "sentiment", "topic"):
                y = np.array([gold(ex, label) for ex in train])
                scores = [f1_score(y[te], make().fit(Xtr, y[tr]).predict(Xte), average="macro")
                          for Xtr, Xte, tr, te in mats]
                res[label] = np.mean(scores)
            print(f"{fname:22s} {cname:12s} " + "  ".join(f"{k[:3]} {v:.3f}" for k, v in res.items())
                  + f"   ({time.perf_counter() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
