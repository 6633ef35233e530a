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


# Known failures, kept in the corpus (as ftfy keeps its): paragraphs of seed 004 whose only
# injection is two characters long inside 170+ characters of genuine text. The paragraph
# score stays under the threshold and the span tagger's smoothing washes the two characters out.
KNOWN_MISSES = {"004": [10, 42]}


@pytest.mark.parametrize("seed", sorted(TEXTS))
def test_every_spam_paragraph_is_flagged(bundled, labeled_documents, seed):
    truth = _hand_labels(labeled_documents, seed).labels
    result = bundled.predict(TEXTS[seed])
    missed = [i for i, (t, p) in enumerate(zip(truth, result.paragraphs))
              if t == "spam" and p.label != "spam"]
    known = KNOWN_MISSES.get(seed, [])
    assert [i for i in missed if i not in known] == [], (
        f"seed {seed}: {len(missed)} of {truth.count('spam')} spam missed"
    )


@pytest.mark.parametrize("seed", sorted(KNOWN_MISSES))
@pytest.mark.xfail(strict=True, reason="two-character injections in long paragraphs")
def test_known_misses_are_still_missed(bundled, labeled_documents, seed):
    result = bundled.predict(TEXTS[seed])
    assert all(result.paragraphs[i].label == "spam" for i in KNOWN_MISSES[seed])


@pytest.mark.parametrize("seed", ["000", "001", "002", "003"])
def test_no_genuine_paragraph_is_flagged(bundled, labeled_documents, seed):
    truth = _hand_labels(labeled_documents, seed).labels
    result = bundled.predict(TEXTS[seed])
    flagged = [i for i, (t, p) in enumerate(zip(truth, result.paragraphs))
               if t == "genuine" and p.label == "spam"]
    assert flagged == [], f"seed {seed}: genuine paragraphs {flagged} flagged as spam"
