"""Chinese web-text spam filter: score paragraphs as genuine, spam or boilerplate, locate
injected spans and return the cleaned document.

>>> from classifier import predict
>>> doc = predict("當前位置：首頁 > 新聞\\n今年以來，全市新建學校12所，新增學位1.5萬個。")
>>> [p.label for p in doc.paragraphs]
['boilerplate', 'genuine']
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .config import Config
from .model import LABELS, REASONS, ModelError
from .results import DocumentResult, ParagraphResult
from .scoring import Classifier

__all__ = [
    "LABELS",
    "REASONS",
    "Classifier",
    "Config",
    "DocumentResult",
    "ModelError",
    "ParagraphResult",
    "bundled_model_path",
    "cached_model",
    "load_model",
    "predict",
    "score_batch",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())

BUNDLED_MODEL = "spamfilter.joblib"


def bundled_model_path() -> Path:
    """Where the model shipped with the package lives (``models/`` in a source checkout)."""
    return Path(str(resources.files("classifier.models").joinpath(BUNDLED_MODEL)))


def load_model(path: str | Path | None = None, config: Config | None = None) -> Classifier:
    """Load a model (the bundled one by default); its ``predict`` works like :func:`predict`."""
    return Classifier.from_path(path or bundled_model_path(), config)


@lru_cache(maxsize=4)
def cached_model(path: str | Path | None, config: Config | None = None) -> Classifier:
    """:func:`load_model`, loaded once per process for each (path, config)."""
    return load_model(path, config)


def predict(texts: str | Sequence[str]) -> DocumentResult | list[DocumentResult]:
    """Score one text or a list of texts with the bundled model (loaded once, lazily)."""
    return cached_model(None).predict(texts)


def score_batch(
    texts: list[str], model: str | Path | None = None, config: Config | None = None
) -> list[DocumentResult]:
    """Score a batch of texts: a pure, picklable entry point for engines (Spark, datatrove …).

    The model is loaded once per process and per (path, config), so workers that receive this
    function by pickling load it themselves on first use.
    """
    return cached_model(str(model) if model else None, config).predict_batch(list(texts))
