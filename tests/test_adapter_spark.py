"""The Spark adapter on a real local[2] SparkSession, on the seeds and a null text.

Counts and labels are asserted, never the text: the seeds hold explicit spam.
"""

import sys
from pathlib import Path

import pytest

pytest.importorskip("pyspark", reason="pyspark not installed: pip install -e '.[spark]'")
pytest.importorskip("pyarrow", reason="pyarrow not installed: pip install -e '.[spark]'")

from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

from classifier import bundled_model_path, score_batch  # noqa: E402
from classifier.adapters.spark import spam_udf  # noqa: E402

from .conftest import seed_texts  # noqa: E402

SEEDS = seed_texts()


@pytest.fixture(scope="module")
def spark():
    session = (
        SparkSession.builder.master("local[2]")
        .appName("spamfilter-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.pyspark.python", sys.executable)
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "2")  # several batches a task
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(scope="module")
def scored(spark, model_path):
    rows = [(i, text) for i, text in SEEDS.items()] + [("null", None)]
    df = spark.createDataFrame(rows, "id string, text string").repartition(2)
    return df.withColumn("spam", spam_udf(model_path)("text"))


def test_udf_matches_score_batch_and_passes_nulls(scored, model_path):
    expected = dict(zip(SEEDS, score_batch(list(SEEDS.values()), model=model_path), strict=True))
    rows = {r.id: r.spam for r in scored.collect()}

    assert set(rows) == {*SEEDS, "null"}
    assert rows["null"].spam_ratio is None and rows["null"].label is None
    for i, result in expected.items():
        assert rows[i].spam_ratio == pytest.approx(result.spam_ratio)
        assert rows[i].label == result.label
        assert rows[i].clean_text == result.clean_text
    assert rows["001"].spam_ratio == 0 and rows["001"].label == "clean"
    assert all(rows[i].spam_ratio > 0 for i in ("000", "002", "004"))


def test_filter_and_clean_recipes(scored, model_path):
    expected = dict(zip(SEEDS, score_batch(list(SEEDS.values()), model=model_path), strict=True))

    kept = scored.where("spam.spam_ratio <= 0.0").select("id").collect()
    assert {r.id for r in kept} == {i for i, r in expected.items() if r.spam_ratio == 0}
    assert "001" in {r.id for r in kept}

    cleaned = scored.withColumn("text", F.col("spam.clean_text")).select("id", "text").collect()
    texts = {r.id: r.text for r in cleaned}
    for i, result in expected.items():
        spam = [SEEDS[i][p.start:p.end] for p in result.paragraphs if p.label == "spam"]
        assert not [s for s in spam if s.strip() and s in texts[i]], f"seed {i}: spam left"


def test_model_shipped_to_the_executors_by_file_name(spark, model_path):
    path = Path(model_path or bundled_model_path())
    for shipped in (path, path.with_suffix(".json")):  # as spark-submit --files does
        spark.sparkContext.addFile(str(shipped))
    df = spark.createDataFrame([(i, SEEDS[i]) for i in ("001", "002")], "id string, text string")

    rows = {r.id: r.spam for r in df.withColumn("spam", spam_udf(path.name)("text")).collect()}

    expected = score_batch([SEEDS["001"], SEEDS["002"]], model=path)
    assert [rows["001"].label, rows["002"].label] == [r.label for r in expected]
    assert rows["002"].spam_ratio == pytest.approx(expected[1].spam_ratio)
    assert rows["002"].spam_ratio > 0
