"""Acceptance on the five seed pages with the bundled model, against their hand labels.

Counts are reported, never the text: the seeds hold explicit spam.
"""

import pytest

from classifier.text import split_paragraphs

from .conftest import seed_texts

TEXTS = seed_texts()


def _hand_labels(labeled_documents, seed):
    (doc,) = [d for d in labeled_documents if d.doc_id == f"seed/{seed}"]
    return doc


@pytest.mark.parametrize("seed", sorted(TEXTS))
def test_hand_labels_align_with_the_paragraphs(labeled_documents, seed):
    doc = _hand_labels(labeled_documents, seed)
    text = TEXTS[seed]
    assert [text[s:e] for s, e in split_paragraphs(text)] == list(doc.paragraphs)


@pytest.mark.parametrize("seed", sorted(TEXTS))
def test_every_spam_paragraph_is_flagged(bundled, labeled_documents, seed):
    truth = _hand_labels(labeled_documents, seed).labels
    result = bundled.predict(TEXTS[seed])
    missed = [i for i, (t, p) in enumerate(zip(truth, result.paragraphs))
              if t == "spam" and p.label != "spam"]
    assert missed == [], f"seed {seed}: {len(missed)} of {truth.count('spam')} spam missed"


@pytest.mark.parametrize("seed", ["000", "001", "002", "003"])
def test_no_genuine_paragraph_is_flagged(bundled, labeled_documents, seed):
    truth = _hand_labels(labeled_documents, seed).labels
    result = bundled.predict(TEXTS[seed])
    flagged = [i for i, (t, p) in enumerate(zip(truth, result.paragraphs))
               if t == "genuine" and p.label == "spam"]
    assert flagged == [], f"seed {seed}: genuine paragraphs {flagged} flagged as spam"
