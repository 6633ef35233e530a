"""Adapters that run the filter inside data engines: datatrove, Spark and data-juicer.

Each module imports its engine (install the matching extra, e.g. ``zh-spamfilter[spark]``) and
scores through :func:`classifier.score_batch`, so a worker process loads the model once itself.
"""
