"""The code follows the lint rules in pyproject.toml, so style drift fails the test run."""

import importlib.util
import subprocess
import sys

import pytest

from .conftest import ROOT


def test_ruff_finds_nothing():
    if importlib.util.find_spec("ruff") is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "classifier", "tests", "data", "bench", "train.py"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
