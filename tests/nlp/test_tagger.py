"""The tagger: features, the model card check, the fixed split, and quality on held-out posts."""
import json
import shutil

import numpy as np
import pytest
import scipy.sparse as sp

from nlp.corpus import Example, is_heldout, load_corpus, read_labeled, split
from nlp.errors import BadInput, ModelError
from nlp.features import TextFeatures, _count_keys
from nlp.labels import Sentiment, Topic
from nlp.tagger import CARD_FILE, MODEL_FILE, Tagger


def test_features_are_l2_normalized_blocks():
    texts = ["检察院提起公益诉讼", "检察官态度蛮横！", "今天天气不错"]
    f = TextFeatures(min_df=1).fit(texts)
    X = f.transform(texts)
    assert X.shape[0] == 3 and X.dtype == np.float32
    words = X[:, :len(f.vocabulary_)].toarray()
    chars = X[:, len(f.vocabulary_):].toarray()
    assert np.allclose(np.linalg.norm(words, axis=1), 1, atol=1e-5)
    assert np.allclose(np.linalg.norm(chars, axis=1), 1, atol=1e-5)


def test_char_ngrams_do_not_cross_documents():
    f = TextFeatures(min_df=1).fit(["ab", "cd"])
    together = f._char_counts(["ab", "cd"]).toarray()
    apart = np.vstack([f._char_counts(["ab"]).toarray(), f._char_counts(["cd"]).toarray()])
    assert (together == apart).all()
    assert together[0].sum() == 2 + 1  # a, b, ab: no "bc" across the boundary


@pytest.mark.parametrize("n_rows, bits", [(50, 20), (5000, 20)])  # keys of 32 bits and of 64
def test_counts_match_scipy(n_rows, bits):
    rng = np.random.default_rng(3)
    rows = rng.integers(0, n_rows, 40_000)
    cols = rng.integers(0, 1 << bits, 40_000) % 3000       # many repeats within a row
    got = _count_keys((rows << bits) | cols, n_rows, bits, 1 << bits)
    want = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n_rows, 1 << bits))
    want.sum_duplicates()
    assert np.array_equal(got.indptr, want.indptr) and np.array_equal(got.indices, want.indices)
    assert np.array_equal(got.data, want.data) and got.has_sorted_indices


def test_counts_of_nothing():
    f = TextFeatures(min_df=1).fit(["检察院"])
    assert f._char_counts([""]).nnz == 0 and f._word_counts([[]]).shape == (1, len(f.vocabulary_))
    assert f._word_counts([]).shape == (0, len(f.vocabulary_))


def test_features_deterministic_across_instances():
    texts = ["检察院依法批捕犯罪嫌疑人", "网友质疑不起诉决定"]
    a = TextFeatures().fit(texts).transform(texts)
    b = TextFeatures().fit(texts).transform(texts)
    assert (a != b).nnz == 0


def test_empty_and_odd_texts():
    f = TextFeatures(min_df=1).fit(["检察院", "x"])
    X = f.transform(["", "😀", "\x00检察院"])
    assert X.shape[0] == 3 and np.isfinite(X.data).all()


def test_predict_with_given_tokens_matches(tagger):
    from nlp.tokenize import tokenize

    texts = ["青石县检察院对污染企业提起公益诉讼，村民拍手称快", "《人民的名义》真好看"]
    assert tagger.predict(texts) == tagger.predict(texts, [tokenize(t) for t in texts])


def test_irrelevant_posts_get_topic_irrelevant(tagger):
    decoys = tagger.predict(["追剧《人民的名义》，侯亮平演得太好了", "美国检方起诉了一名前官员，陪审团下周开庭"])
    assert [(lab.relevant, lab.topic) for lab in decoys] == [(False, Topic.IRRELEVANT)] * 2
    labs = tagger.predict(["检察院依法对校园霸凌者提起公诉，大快人心"])
    assert labs[0].relevant and labs[0].topic is not Topic.IRRELEVANT
    assert labs[0].sentiment is Sentiment.POSITIVE


def test_missing_model_says_to_train(tmp_path):
    with pytest.raises(ModelError, match="jianyu nlp train"):
        Tagger.load(tmp_path)


def _copy_model(model_dir, tmp_path):
    dest = tmp_path / "m"
    shutil.copytree(model_dir, dest)
    return dest


def test_mismatched_card_is_refused(model_dir, tmp_path):
    folder = _copy_model(model_dir, tmp_path)
    card = json.loads((folder / CARD_FILE).read_text())
    card["versions"]["scikit-learn"] = "0.1"
    (folder / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ModelError, match="scikit-learn 0.1.*jianyu nlp train"):
        Tagger.load(folder)


def test_changed_labels_are_refused(model_dir, tmp_path):
    folder = _copy_model(model_dir, tmp_path)
    card = json.loads((folder / CARD_FILE).read_text())
    card["labels"]["topic"] = card["labels"]["topic"][:-1]
    (folder / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ModelError, match="label codes"):
        Tagger.load(folder)


def test_swapped_artifact_is_refused(model_dir, tmp_path):
    folder = _copy_model(model_dir, tmp_path)
    with open(folder / MODEL_FILE, "ab") as fh:
        fh.write(b"x")
    with pytest.raises(ModelError, match="not the file its model card describes"):
        Tagger.load(folder)


def test_model_card_records_what_the_guide_asks(model_dir):
    card = json.loads((model_dir / CARD_FILE).read_text())
    assert card["versions"]["scikit-learn"] and card["training_data"]["sha256"]
    assert card["labels"]["topic"] == [t.value for t in Topic]
    assert set(card["heldout"]) == {"relevant", "sentiment", "topic"}


def test_split_is_fixed_by_id():
    assert is_heldout("wb-0001") == is_heldout("wb-0001")
    share = sum(is_heldout(f"x-{i}") for i in range(10_000)) / 10_000
    assert 0.18 < share < 0.22


def test_corpus_is_large_and_covers_every_topic():
    examples = load_corpus()
    assert len(examples) >= 3000
    train, heldout = split(examples)
    assert not {e.id for e in train} & {e.id for e in heldout}
    assert {e.topic for e in heldout} == set(Topic)
    assert len({e.id for e in examples}) == len(examples)


def test_read_labeled_names_the_bad_line(tmp_path):
    f = tmp_path / "x.jsonl"
    f.write_text('{"text": "a", "relevant": true, "sentiment": "neutral", "topic": "case"}\n'
                 '{"text": "b", "relevant": true, "sentiment": "angry", "topic": "case"}\n', encoding="utf-8")
    with pytest.raises(BadInput, match="x.jsonl:2"):
        list(read_labeled(f))
