"""Throughput and accuracy benchmark of the spam filter against three baselines.

Run ``python -m bench.run``; see bench/README.md.
"""
