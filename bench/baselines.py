"""The three baselines, each a paragraph labeler with ``fit``, ``save``, ``load`` and ``predict``.

- ``keywords``: data-juicer's flagged-words filter over the spam lexicons of shared/: jieba tokens
  (rjieba, the Rust port of jieba's default mode), lower-cased, plus adjacent token pairs joined
  (data-juicer's ``use_words_aug`` with group size 2), looked up in a set. Unlike data-juicer,
  which thresholds the ratio of flagged words over a document, a paragraph with any flagged word
  is spam, anything else genuine; it never says boilerplate.
- ``fasttext``: fastText supervised on the labeled paragraphs, character tokens plus bigrams.
- ``naive``: jieba words → TfidfVectorizer → LogisticRegression.
"""

from __future__ import annotations

import tempfile
from itertools import pairwise
from pathlib import Path

import jieba
import joblib
import rjieba
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from .data import SHARED

LEXICONS = SHARED / "data" / "lexicons"
CASIA_SPAM_CATEGORIES = ("色情", "赌博")  # the other categories are political and fire on news


def spam_lexicon(lexicons: Path = LEXICONS) -> frozenset[str]:
    """Lower-cased spam words: CASIA 色情/赌博, konsheng 色情类型, shjwudp C4 bad words."""
    words = set()
    for line in (lexicons / "casia_chinesewebtext_dict.txt").read_text("utf-8").splitlines():
        category, _, word = line.partition("\t")
        if category in CASIA_SPAM_CATEGORIES:
            words.add(word)
    for name in ("konsheng_sensitive_lexicon/色情类型.txt", "shjwudp_c4_badwords_zh.txt"):
        words.update((lexicons / name).read_text("utf-8").splitlines())
    return frozenset(w.strip().lower() for w in words if w.strip())


class KeywordBaseline:
    """Spam when a token, or two adjacent tokens joined, is in the lexicon."""

    name = "keywords"

    def __init__(self, words: frozenset[str] | None = None):
        self.words = words if words is not None else spam_lexicon()

    def fit(self, texts: list[str], labels: list[str]) -> KeywordBaseline:
        return self

    def save(self, directory: Path) -> None:
        """Nothing to save: the lexicons are read from shared/ at load."""

    @classmethod
    def load(cls, directory: Path) -> KeywordBaseline:
        return cls()

    def flagged(self, text: str) -> bool:
        tokens = rjieba.cut(text.lower())
        words = self.words
        return any(t in words for t in tokens) or any(
            a + b in words for a, b in pairwise(tokens)
        )

    def predict(self, texts: list[str]) -> list[str]:
        return ["spam" if self.flagged(t) else "genuine" for t in texts]


def char_tokens(text: str) -> str:
    """fastText input: the characters of a paragraph separated by spaces, white space dropped."""
    return " ".join(c for c in text.lower() if not c.isspace())


class FastTextBaseline:
    """fastText supervised (bigrams over characters, seeded, one thread for determinism)."""

    name = "fasttext"
    file = "fasttext.bin"
    params = {"wordNgrams": 2, "epoch": 25, "lr": 0.5, "seed": 0, "thread": 1, "verbose": 0}

    def __init__(self, model=None):
        self.model = model

    def fit(self, texts: list[str], labels: list[str]) -> FastTextBaseline:
        import fasttext

        with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8") as f:
            for text, label in zip(texts, labels, strict=True):
                f.write(f"__label__{label} {char_tokens(text)}\n")
            f.flush()
            self.model = fasttext.train_supervised(input=f.name, **self.params)
        return self

    def save(self, directory: Path) -> Path:
        self.model.save_model(str(directory / self.file))
        return directory / self.file

    @classmethod
    def load(cls, directory: Path) -> FastTextBaseline:
        import fasttext

        return cls(fasttext.load_model(str(directory / cls.file)))

    def predict(self, texts: list[str]) -> list[str]:
        labels, _ = self.model.predict([char_tokens(t) for t in texts])
        return [label[0].removeprefix("__label__") for label in labels]


def jieba_words(text: str) -> list[str]:
    """The naive analyzer: jieba's default cut."""
    return jieba.lcut(text)


class NaiveBaseline:
    """jieba + TF-IDF + logistic regression, scikit-learn defaults."""

    name = "naive"
    file = "naive.joblib"

    def __init__(self, pipeline=None):
        self.pipeline = pipeline

    def fit(self, texts: list[str], labels: list[str]) -> NaiveBaseline:
        self.pipeline = make_pipeline(
            TfidfVectorizer(analyzer=jieba_words), LogisticRegression(max_iter=1000)
        ).fit(texts, labels)
        return self

    def save(self, directory: Path) -> Path:
        joblib.dump(self.pipeline, directory / self.file)
        return directory / self.file

    @classmethod
    def load(cls, directory: Path) -> NaiveBaseline:
        return cls(joblib.load(directory / cls.file))

    def predict(self, texts: list[str]) -> list[str]:
        return [str(label) for label in self.pipeline.predict(texts)] if texts else []


BASELINES = {b.name: b for b in (KeywordBaseline, FastTextBaseline, NaiveBaseline)}
