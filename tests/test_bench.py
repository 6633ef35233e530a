"""The profiling harness drives the product's streaming path as the CLI does."""

import json

import pytest

from bench.profiling import annotate
from classifier import bundled_model_path

from .conftest import seed_texts


@pytest.mark.parametrize("quality", [False, True])
def test_profiling_annotates_every_record(tmp_path, quality):
    lines = [json.dumps({"id": k, "text": t}, ensure_ascii=False) for k, t in seed_texts().items()]
    lines.insert(1, "{not json")  # a bad line is written back as an error record, not lost
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert annotate(path, bundled_model_path(), quality) == len(lines)
