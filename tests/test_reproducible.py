"""The bundled models are what the repository's training commands make of its data today.

A model trained before a change to the data, the features or the training code would still
load and score, just not as the code says it should: these tests retrain and compare. Scores
are compared with a tolerance, not byte for byte, so a newer numerical library on another
machine does not fail them; a stale model moves scores by far more.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from classifier import bundled_model_path, load_model
from classifier.config import Config
from classifier.dataset import data_hash

from .conftest import LABELED, needs_shared

TOLERANCE = 1e-6


def _seed_texts() -> list[str]:
    lines = (LABELED / "seeds.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines]


def _paragraph_scores(model_path: Path, quality: bool) -> np.ndarray:
    classifier = load_model(model_path, Config(quality=quality))
    results = classifier.predict(_seed_texts())
    if quality:
        return np.array([p.quality if p.quality is not None else -1.0
                         for doc in results for p in doc.paragraphs])
    return np.array([p.spam_score for doc in results for p in doc.paragraphs])


def test_the_bundled_spam_model_was_trained_on_the_labeled_set_as_it_is():
    sidecar = json.loads(bundled_model_path().with_suffix(".json").read_text("utf-8"))
    assert sidecar["training_data"]["sha256"] == data_hash(LABELED)


def test_train_py_rebuilds_the_bundled_spam_model(tmp_path):
    """``python train.py --no-eval`` (about a minute) gives the bundled model's scores."""
    from classifier.training_cli import main

    out = tmp_path / "spamfilter.joblib"
    assert main(["--no-eval", "--out", str(out)]) == 0
    rebuilt = _paragraph_scores(out, quality=False)
    bundled = _paragraph_scores(bundled_model_path(), quality=False)
    assert len(rebuilt) == len(bundled) > 100
    assert np.abs(rebuilt - bundled).max() <= TOLERANCE


@needs_shared
def test_quality_train_rebuilds_the_bundled_quality_model(tmp_path):
    """``python -m classifier.quality_train`` (about 20 s) gives the bundled model's scores;
    the rebuilt quality model is placed next to a copy of the bundled spam model, so only the
    quality scores can differ."""
    from classifier.quality import load_quality_model
    from classifier.quality_train import build

    model, info = build(0)
    spam = bundled_model_path()
    (tmp_path / spam.name).write_bytes(spam.read_bytes())
    (tmp_path / spam.with_suffix(".json").name).write_bytes(spam.with_suffix(".json").read_bytes())
    model.save(tmp_path / "quality.joblib", info)
    bundled_info = load_quality_model(spam.parent / "quality.joblib")[1]
    assert info["data_sha256"] == bundled_info["data_sha256"]
    assert abs(model.threshold - bundled_info["threshold"]) <= TOLERANCE
    rebuilt = _paragraph_scores(tmp_path / spam.name, quality=True)
    bundled = _paragraph_scores(spam, quality=True)
    assert len(rebuilt) == len(bundled) > 100
    assert np.abs(rebuilt - bundled).max() <= TOLERANCE
