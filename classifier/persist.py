"""Saving a model with joblib next to its JSON sidecar, the record that loading checks."""

from __future__ import annotations

import hashlib
import json
import platform
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import joblib


class ModelError(RuntimeError):
    """A model file that cannot be used: missing, corrupt, or not matching its sidecar."""


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


def checked_sidecar(path: Path, what: str, rebuild: str) -> dict:
    """The sidecar of the model file at ``path``, once both files exist and the file's hash
    matches the one recorded; otherwise ``ModelError`` naming ``what`` is wrong and how to
    ``rebuild`` it."""
    sidecar = sidecar_path_of(path)
    if not path.is_file():
        raise ModelError(f"no {what} at {path}; {rebuild}")
    if not sidecar.is_file():
        raise ModelError(f"{what} {path} has no sidecar {sidecar}; {rebuild}")
    info = json.loads(sidecar.read_text("utf-8"))
    if info.get("model_sha256") != sha256_of(path):
        raise ModelError(f"{what} {path} does not match the hash in {sidecar}; {rebuild}")
    return info
