"""Training determinism, save/load round trip and the sidecar checks."""

import json

import numpy as np
import pytest

from classifier import ModelError, load_model
from classifier.model import read_sidecar
from classifier.training import fit


def _proba(model, documents):
    return model.score([list(d.paragraphs) for d in documents]).proba


def test_training_is_deterministic(small_training_set, small_model):
    again = fit(small_training_set, seed=3)
    probe = small_training_set[:10]
    assert np.array_equal(_proba(small_model, probe), _proba(again, probe))


def test_round_trip_keeps_scores(tmp_path, small_model, small_training_set):
    path = tmp_path / "m.joblib"
    small_model.save(path, {"note": "test"})
    loaded = load_model(path)
    probe = small_training_set[:10]
    assert np.array_equal(_proba(small_model, probe), _proba(loaded.model, probe))
    assert loaded.info["note"] == "test"


def test_missing_sidecar_is_a_clear_error(tmp_path, small_model):
    path = tmp_path / "m.joblib"
    small_model.save(path, {})
    path.with_suffix(".json").unlink()
    with pytest.raises(ModelError, match="no sidecar.*train.py"):
        load_model(path)


def test_tampered_model_is_refused(tmp_path, small_model):
    path = tmp_path / "m.joblib"
    small_model.save(path, {})
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ModelError, match="does not match the hash"):
        load_model(path)


def test_wrong_format_version_is_refused(tmp_path, small_model):
    path = tmp_path / "m.joblib"
    sidecar = small_model.save(path, {})
    info = json.loads(sidecar.read_text())
    info["format_version"] = 999
    sidecar.write_text(json.dumps(info))
    with pytest.raises(ModelError, match="format 999"):
        read_sidecar(path)


def test_missing_model_names_the_path(tmp_path):
    with pytest.raises(ModelError, match=str(tmp_path / "nothing.joblib")):
        load_model(tmp_path / "nothing.joblib")


def test_bundled_model_matches_its_sidecar(bundled):
    assert bundled.info["labels"] == ["genuine", "spam", "boilerplate"]
    assert bundled.info["training_data"]["paragraphs"] > 1000
    assert "leave_one_seed_out" in bundled.info["metrics"]


def test_cross_validation_scores_each_collection_on_its_own_rows():
    """Per-collection spam average precision and page counts come from that collection's rows
    of the out-of-fold probabilities, whatever order the documents come in."""
    from sklearn.metrics import average_precision_score

    from classifier.config import Config
    from classifier.dataset import LabeledDocument
    from classifier.training import cross_validate

    def document(doc_id, labels):
        n = len(labels)
        return LabeledDocument(doc_id, ("段落",) * n, tuple(labels), (None,) * n, ((),) * n,
                               ("test",) * n, ("hand",) * n)

    documents = [document("gen/0", ["spam", "genuine", "genuine"]),
                 document("cwt/0", ["genuine", "spam"]),
                 document("gen/1", ["boilerplate", "spam"]),
                 document("cwt/1", ["spam", "genuine", "boilerplate"]),
                 document("cwt/2", ["genuine", "boilerplate"]),
                 document("gen/2", ["genuine"])]
    spam = np.array([0.9, 0.6, 0.1, 0.7, 0.2, 0.3, 0.4, 0.35, 0.5, 0.05, 0.45, 0.1, 0.05])
    proba = np.column_stack([(1 - spam) / 2, spam, (1 - spam) / 2])
    report = cross_validate(documents, proba, Config(), folds=2)
    rows = {"gen": [0, 1, 2, 5, 6, 12], "cwt": [3, 4, 7, 8, 9, 10, 11]}
    truth = np.array([label == "spam" for d in documents for label in d.labels])
    for group, at in rows.items():
        expected = average_precision_score(truth[at], spam[at])
        assert report[group]["spam_average_precision"] == round(expected, 4)
    assert report["gen"]["spam_average_precision"] != report["cwt"]["spam_average_precision"]
    assert report["cwt"]["documents"] == {"with_spam": 2, "with_spam_flagged": 2,
                                          "spam_free": 1, "spam_free_flagged": 1}
    assert report["gen"]["documents"] == {"with_spam": 2, "with_spam_flagged": 2,
                                          "spam_free": 1, "spam_free_flagged": 0}


def test_reasons_are_read_only_for_the_rows_asked_and_match_the_whole_batch(bundled):
    """The reason model scores only the spam rows; each reason equals the one the reason
    model gives when it scores every row of the batch."""
    from .conftest import seed_texts

    documents = [text.splitlines() for text in seed_texts().values()]
    model = bundled.model
    scores = model.score(documents)
    everywhere = model.reason_classifier_.predict(scores.features)
    spam = np.flatnonzero(scores.proba[:, 1] >= 0.3)
    reasons = model.reasons(scores, spam)
    assert 20 < len(spam) < len(reasons)
    assert reasons[spam].tolist() == everywhere[spam].tolist()
    assert set(np.delete(reasons, spam).tolist()) == {""}
    assert set(reasons[spam].tolist()) <= set(model.reason_classifier_.classes_.tolist())
