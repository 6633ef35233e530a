"""The code follows the lint rules in pyproject.toml, so style drift fails the test run."""

import shutil
import subprocess

import pytest

from .conftest import ROOT


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    result = subprocess.run([ruff, "check", "classifier", "tests", "data", "bench", "train.py"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
