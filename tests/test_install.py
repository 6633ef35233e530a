"""The bundled model is found from an editable install and from a built wheel alike."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from classifier import bundled_model_path, kernels

from .conftest import ROOT


def test_editable_install_finds_the_model_in_models_dir():
    path = bundled_model_path()
    assert path.is_file() and path.with_suffix(".json").is_file()
    assert path.parent.resolve() == (ROOT / "models").resolve()


def test_wheel_ships_the_model_and_finds_it(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path),
         str(ROOT)],
        check=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(site)
    assert "classifier/models/spamfilter.joblib" in names
    assert "classifier/models/spamfilter.json" in names
    # built here as in the editable install: where the compiler built one, it builds the other
    assert any(n.startswith("classifier/_kernels") for n in names) == kernels.COMPILED
    probe = (
        "import classifier, sys; p = classifier.bundled_model_path(); "
        "doc = classifier.predict('今年以来，全市新建学校12所。'); "
        "print(p); print(len(doc.paragraphs)); print(classifier.kernels.COMPILED)"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    run = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env,
                         capture_output=True, text=True, check=True)
    model_path, paragraphs, compiled = run.stdout.split()
    assert Path(model_path).is_relative_to(site)
    assert paragraphs == "1"
    assert compiled == str(kernels.COMPILED)
