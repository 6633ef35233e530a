"""Shared fixtures: the repo's paths, the labeled set, a small trained model."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from classifier import load_model
from classifier.dataset import load_documents
from classifier.training import fit

ROOT = Path(__file__).resolve().parent.parent
LABELED = ROOT / "data" / "labeled"
SEEDS = ROOT / "tests" / "fixtures" / "seeds"
SHARED = ROOT.parent / "shared" / "data"
needs_shared = pytest.mark.skipif(not (SHARED / "news").is_dir(), reason="needs ../shared/data")


@pytest.fixture(scope="session")
def labeled_documents():
    return load_documents(LABELED)


@pytest.fixture(scope="session")
def small_training_set(labeled_documents):
    """A seeded sample of 80 labeled documents: enough to train, quick to train."""
    sample = random.Random(7).sample(labeled_documents, 80)
    return sorted(sample, key=lambda d: d.doc_id)


@pytest.fixture(scope="session")
def small_model(small_training_set):
    return fit(small_training_set, seed=3)


@pytest.fixture(scope="session")
def bundled():
    return load_model()


def seed_texts() -> dict[str, str]:
    """The five seed pages, as the crawler delivered them."""
    return {
        p.stem[:3]: p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))
    }


@pytest.fixture(scope="session")
def model_path():
    """The model the engine adapters are given: ``None`` selects the bundled one."""
    return None
