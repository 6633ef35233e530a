"""Saving a model with joblib next to its JSON sidecar, the record that loading checks."""

from __future__ import annotations

import hashlib
import json
import platform
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import joblib


def sidecar_path_of(path: Path) -> Path:
    """``model.joblib`` → ``model.json``."""
    return path.with_suffix(".json")


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_with_sidecar(obj: object, path: str | Path, fields: dict, libraries: tuple) -> Path:
    """Dump ``obj`` to ``path`` and write its sidecar: ``fields``, the file's hash, the date,
    the Python and library versions. Returns the sidecar path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(obj, path, compress=3)
    info = {
        **fields,
        "model_sha256": sha256_of(path),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "libraries": {name: metadata.version(name) for name in libraries},
    }
    sidecar = sidecar_path_of(path)
    sidecar.write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return sidecar
