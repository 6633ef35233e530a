"""The data-juicer operators run by data-juicer's own `dj-process` on a YAML recipe, on the seeds.

data-juicer runs in a subprocess: it sets the process-wide multiprocessing start method. Counts and
labels are asserted, never the text: the seeds hold explicit spam.
"""

import json
import os
import subprocess
import sys

import orjson
import pytest

pytest.importorskip("data_juicer", reason="not installed: pip install -e '.[datajuicer]'")
# data-juicer 1.6 imports ray and calls torch at run time, and pip-installs them itself if missing
# (torch as a multi-GB CUDA build): skip instead of letting it.
pytest.importorskip("ray", reason="data-juicer needs ray: pip install -e '.[datajuicer]'")
pytest.importorskip("torch", reason="data-juicer needs torch: install a CPU build first")

from classifier import score_batch  # noqa: E402

from .conftest import seed_texts  # noqa: E402

SEEDS = seed_texts()
DJ_PROCESS = "import sys; from data_juicer.tools.process_data import main; sys.exit(main())"


@pytest.fixture(scope="module")
def expected(model_path):
    return dict(zip(SEEDS, score_batch(list(SEEDS.values()), model=model_path), strict=True))


def dj_process(tmp_path, process: list[dict]) -> tuple[dict, list[dict]]:
    """Run `dj-process` on the seeds with these ops; the exported samples by id, and their stats."""
    source = tmp_path / "seeds.jsonl"
    lines = [orjson.dumps({"id": i, "text": text}) for i, text in SEEDS.items()]
    source.write_bytes(b"\n".join(lines) + b"\n")
    ops = tmp_path / "zh_spamfilter_ops.py"
    ops.write_text("import classifier.adapters.data_juicer  # noqa: F401\n")
    recipe = {
        "project_name": "zh-spamfilter-test",
        "dataset_path": str(source),
        "export_path": str(tmp_path / "out" / "result.jsonl"),
        "np": 2,
        "custom_operator_paths": [str(ops)],
        "process": process,
    }
    config = tmp_path / "recipe.yaml"
    config.write_text(json.dumps(recipe))  # JSON is YAML
    env = {**os.environ, "HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1"}
    run = subprocess.run(
        [sys.executable, "-c", DJ_PROCESS, "--config", str(config)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Installing" not in run.stderr, "data-juicer installed packages at run time"
    samples, stats = (
        [orjson.loads(line) for line in (tmp_path / "out" / name).read_bytes().splitlines()]
        for name in ("result.jsonl", "result_stats.jsonl")
    )
    return {s["id"]: s for s in samples}, stats


def test_filter_keeps_seeds_at_most_the_ratio_and_exports_stats(tmp_path, model_path, expected):
    assert expected["001"].spam_ratio == 0
    assert all(expected[i].spam_ratio > 0 for i in ("000", "002", "004"))
    model = {"model": str(model_path)} if model_path else {}

    samples, stats = dj_process(
        tmp_path, [{"zh_spam_filter": {"max_spam_ratio": 0.0, "batch_size": 2, **model}}]
    )

    assert set(samples) == {i for i, r in expected.items() if r.spam_ratio == 0} >= {"001"}
    assert all(samples[i]["text"] == SEEDS[i] for i in samples)
    assert [s["__dj__stats__"] for s in stats] == [
        {"zh_spam_ratio": 0.0, "zh_spam_label": "clean"} for _ in samples
    ]


def test_filter_then_clean_mapper(tmp_path, model_path, expected):
    model = {"model": str(model_path)} if model_path else {}

    samples, _ = dj_process(tmp_path, [{"zh_spam_filter": model}, {"zh_spam_clean_mapper": model}])

    assert set(samples) == {i for i, r in expected.items() if r.spam_ratio <= 0.5}
    for i, sample in samples.items():
        assert sample["text"] == expected[i].clean_text
        spam = [SEEDS[i][p.start:p.end] for p in expected[i].paragraphs if p.label == "spam"]
        assert not [s for s in spam if s.strip() and s in sample["text"]], f"seed {i}: spam left"
