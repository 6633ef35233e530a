"""The datatrove adapter in a real LocalPipelineExecutor, two worker processes, on the seeds.

Counts and labels are asserted, never the text: the seeds hold explicit spam.
"""

from collections import Counter

import orjson
import pytest

pytest.importorskip("datatrove", reason="datatrove not installed: pip install -e '.[datatrove]'")

from datatrove.executor import LocalPipelineExecutor  # noqa: E402
from datatrove.pipeline.readers import JsonlReader  # noqa: E402
from datatrove.pipeline.writers import JsonlWriter  # noqa: E402

from classifier import score_batch  # noqa: E402
from classifier.adapters.datatrove import SpamFilter  # noqa: E402

from .conftest import seed_texts  # noqa: E402

SEEDS = seed_texts()


@pytest.fixture(scope="module")
def expected(model_path):
    return dict(zip(SEEDS, score_batch(list(SEEDS.values()), model=model_path), strict=True))


def run_pipeline(tmp_path, spam_filter):
    """Seeds in two input files, two tasks in two worker processes; the written docs and stats."""
    source = tmp_path / "in"
    source.mkdir()
    for part, ids in enumerate([["000", "001", "002"], ["003", "004"]]):
        lines = [orjson.dumps({"id": i, "text": SEEDS[i]}) for i in ids]
        (source / f"part{part}.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    pipeline = [JsonlReader(str(source)), spam_filter, JsonlWriter(str(tmp_path / "out"))]
    stats = LocalPipelineExecutor(
        pipeline, tasks=2, workers=2, logging_dir=str(tmp_path / "logs")
    ).run()
    written = {}
    for path in (tmp_path / "out").glob("*.jsonl.gz"):
        for doc in JsonlReader(str(path.parent), glob_pattern=path.name).read_file(path.name):
            written[doc.id] = doc
    return written, stats.stats[1].stats


def test_filter_keeps_clean_seeds_and_counts_drops_by_label(tmp_path, model_path, expected):
    assert expected["001"].spam_ratio == 0
    assert all(expected[i].spam_ratio > 0 for i in ("000", "002", "004"))

    written, stats = run_pipeline(tmp_path, SpamFilter(max_spam_ratio=0.0, model=model_path))

    kept = {i for i, r in expected.items() if r.spam_ratio == 0}
    assert set(written) == kept and "001" in kept
    assert all(written[i].text == SEEDS[i] for i in kept)
    assert all(written[i].metadata["spam_label"] == "clean" for i in kept)
    dropped = Counter(r.label for r in expected.values() if r.spam_ratio > 0)
    assert stats["dropped"].total == sum(dropped.values()) >= 3
    assert {k: stats[f"dropped_{k}"].total for k in dropped} == dict(dropped)
    assert stats["forwarded"].total == len(kept)


def test_default_threshold_drops_only_documents_over_half_spam(tmp_path, model_path, expected):
    written, stats = run_pipeline(tmp_path, SpamFilter(model=model_path, batch_size=2))

    assert set(written) == {i for i, r in expected.items() if r.spam_ratio <= 0.5}
    assert stats["dropped"].total == sum(r.spam_ratio > 0.5 for r in expected.values())
    assert stats["batches"].total == 3  # 3 + 2 documents in batches of 2


def test_clean_mode_keeps_every_document_without_its_spam(tmp_path, model_path, expected):
    written, stats = run_pipeline(tmp_path, SpamFilter(mode="clean", model=model_path))

    assert set(written) == set(SEEDS)
    for i, result in expected.items():
        doc = written[i]
        assert doc.text == result.clean_text
        assert doc.metadata["spam_ratio"] == round(result.spam_ratio, 4)
        spam = [SEEDS[i][p.start:p.end] for p in result.paragraphs if p.label == "spam"]
        assert not [s for s in spam if s.strip() and s in doc.text], f"seed {i}: spam left"
    assert stats["dropped"].total == 0
    assert sum(v.total for k, v in stats.items() if k.startswith("cleaned_")) == sum(
        r.clean_text != SEEDS[i] for i, r in expected.items()
    )


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="mode"):
        SpamFilter(mode="drop")
