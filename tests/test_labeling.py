"""The labeling loop: export a scored JSONL for labeling, merge the labels into the labeled set."""

from __future__ import annotations

import json

import pytest

from classifier.cli import main
from classifier.dataset import load_documents, read_rows
from classifier.labeling import LabelError, merge
from classifier.scoring import Classifier
from classifier.text import split_paragraphs

from .conftest import seed_texts

TEXTS = seed_texts()


@pytest.fixture(scope="module")
def model_path(small_model, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "model.joblib"
    small_model.save(path, {})
    return path


@pytest.fixture
def scored(tmp_path, small_model):
    """A JSONL of two seeds as `spamfilter annotate` writes it."""
    classifier = Classifier(small_model, {})
    path = tmp_path / "scored.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for key in ("002", "004"):
            result = classifier.predict(TEXTS[key]).to_dict()
            f.write(json.dumps({"id": key, "text": TEXTS[key], "spamfilter": result},
                               ensure_ascii=False) + "\n")
    return path


def _rows(path):
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def _write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


def _label_all(rows):
    """What a person does: accept the model's guess, fixing a spam row with no reason."""
    for r in rows:
        r["label"] = r["model_label"]
        if r["label"] == "spam" and not r["reason"]:
            r["reason"] = "promotion"
    return rows


def test_export_one_row_per_paragraph_with_the_models_guess(scored, tmp_path, capsys):
    out = tmp_path / "to_label.jsonl"
    assert main(["label", "export", str(scored), "-o", str(out)]) == 0
    rows = _rows(out)
    for key in ("002", "004"):
        mine = [r for r in rows if r["doc_id"] == f"user/{key}"]
        offsets = split_paragraphs(TEXTS[key])
        assert [r["para"] for r in mine] == list(range(len(offsets)))
        assert [tuple(r["offset"]) for r in mine] == offsets
        pairs = zip(mine, offsets, strict=True)
        assert sum(r["text"] != TEXTS[key][s:e] for r, (s, e) in pairs) == 0
        assert {r["source"] for r in mine} == {f"{scored}:{1 if key == '002' else 2}"}
    assert all(r["label"] == "" for r in rows)
    assert all(r["model_label"] in {"genuine", "spam", "boilerplate"} for r in rows)
    for r in rows:  # model spans are offsets into the paragraph
        assert all(0 <= s < e <= len(r["text"]) for s, e in r["model_spans"])
    assert "to label" in capsys.readouterr().err


def test_export_scores_unscored_input(tmp_path, model_path):
    src = tmp_path / "raw.jsonl"
    src.write_text(json.dumps({"text": TEXTS["000"]}, ensure_ascii=False) + "\n" + "{bad\n",
                   "utf-8")
    out = tmp_path / "to_label.jsonl"
    assert main(["label", "export", str(src), "--model", str(model_path), "-o", str(out)]) == 1
    rows = _rows(out)
    assert len(rows) == len(split_paragraphs(TEXTS["000"]))
    assert rows[0]["doc_id"] == "user/raw.jsonl:1"


def test_merge_writes_complete_documents_and_refuses_unlabeled(scored, tmp_path):
    labeling = tmp_path / "to_label.jsonl"
    assert main(["label", "export", str(scored), "-o", str(labeling)]) == 0
    rows = _label_all(_rows(labeling))
    unlabeled = next(i for i, r in enumerate(rows) if r["doc_id"] == "user/004")
    rows[unlabeled]["label"] = ""
    _write(labeling, rows)
    labeled_dir = tmp_path / "labeled"
    labeled_dir.mkdir()
    other = labeled_dir / "other.jsonl"
    _write(other, [{"doc_id": "x/1", "para": 0, "text": "正文。", "label": "genuine",
                    "reason": None, "spans": [], "source": "s", "method": "hand"}])
    before = other.read_bytes()
    into = labeled_dir / "user.jsonl"
    assert main(["label", "merge", str(labeling), "--into", str(into)]) == 1  # 004 refused
    assert other.read_bytes() == before
    merged = read_rows([into])  # the labeled set's own schema check
    assert {r["doc_id"] for r in merged} == {"user/002"}
    assert all(r["method"] == "hand" for r in merged)
    assert all(r["source"] == f"{scored}:1" and r["labeled_from"].startswith(str(labeling))
               for r in merged)
    assert all(r["reason"] is None and r["spans"] == [] for r in merged if r["label"] != "spam")
    documents = load_documents(labeled_dir)
    assert [d.doc_id for d in documents] == ["user/002", "x/1"]
    assert len(documents[0].paragraphs) == len(split_paragraphs(TEXTS["002"]))
    # label the missing row and merge again: 004 joins, 002 is replaced, not duplicated
    rows[unlabeled]["label"] = "genuine"
    _write(labeling, rows)
    assert main(["label", "merge", str(labeling), "--into", str(into)]) == 0
    assert sorted(d.doc_id for d in load_documents(into)) == ["user/002", "user/004"]
    assert len(read_rows([into])) == len(rows)


def test_merge_rejects_invalid_rows_and_conflicts(tmp_path):
    row = {"doc_id": "user/a", "para": 0, "text": "澳门赌场", "label": "spam", "reason": None,
           "spans": [], "source": "crawl.jsonl:3"}
    labeling = tmp_path / "to_label.jsonl"
    into = tmp_path / "labeled" / "user.jsonl"
    _write(labeling, [row])
    with pytest.raises(LabelError, match="needs a reason"):
        merge(labeling, into)
    _write(labeling, [{**row, "reason": "keyword_list", "spans": [[0, 9]]}])
    with pytest.raises(LabelError, match="outside the paragraph"):
        merge(labeling, into)
    _write(labeling, [{**row, "label": "junk"}])
    with pytest.raises(LabelError, match="not one of"):
        merge(labeling, into)
    _write(labeling, [{**row, "reason": "keyword_list", "para": 1}])
    with pytest.raises(LabelError, match="expected 0"):
        merge(labeling, into)
    assert not into.exists()  # nothing written on any error
    into.parent.mkdir()
    _write(into.parent / "seeds.jsonl", [{**row, "reason": "keyword_list", "method": "hand"}])
    _write(labeling, [{**row, "reason": "keyword_list"}])
    with pytest.raises(LabelError, match="unique"):
        merge(labeling, into)
    assert main(["label", "merge", str(labeling), "--into", str(into.parent / "x.txt")]) == 2
    assert not into.exists()
