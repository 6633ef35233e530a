"""Spark: a pandas UDF that scores a text column into ``spam_ratio``, ``label``, ``clean_text``.

    from pyspark.sql import functions as F
    from classifier.adapters.spark import spam_udf

    scored = df.withColumn("spam", spam_udf()("text"))
    kept = scored.where("spam.spam_ratio <= 0.5")                   # filter
    cleaned = scored.withColumn("text", F.col("spam.clean_text"))   # clean

Rows reach the UDF in Arrow batches (``spark.sql.execution.arrow.maxRecordsPerBatch``, 10,000 by
default) and each Python worker loads the model once. A null text gives null fields.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pyspark import SparkFiles
from pyspark.sql.functions import pandas_udf

from classifier import Config, score_batch

RESULT_TYPE = "spam_ratio double, label string, clean_text string"


def spam_udf(model: str | Path | None = None, config: Config | None = None):
    """A pandas UDF of a text column returning a ``RESULT_TYPE`` struct.

    ``model``: a model path readable on every executor; or a bare file name, for a model shipped
    with its ``.json`` sidecar by ``spark-submit --files`` or ``SparkContext.addFile``; or None,
    the bundled model. The UDF is marked nondeterministic so that Spark scores each row once
    (otherwise a filter on the struct is evaluated by a second UDF call).
    """
    model = str(model) if model else None

    def spamfilter(texts: pd.Series) -> pd.DataFrame:
        path = SparkFiles.get(model) if model and Path(model).name == model else model
        present = texts.dropna()
        results = score_batch(present.tolist(), path, config)
        scored = pd.DataFrame(
            {
                "spam_ratio": [r.spam_ratio for r in results],
                # object, not inferred: pandas 3 makes an empty (all-null batch) column float64,
                # which Arrow will not convert to string
                "label": pd.Series([r.label for r in results], dtype=object),
                "clean_text": pd.Series([r.clean_text for r in results], dtype=object),
            }
        ).set_index(present.index)
        return scored.reindex(texts.index)

    return pandas_udf(spamfilter, RESULT_TYPE).asNondeterministic()
