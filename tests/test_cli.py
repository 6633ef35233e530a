"""The scoring CLI: modes, streaming contract, bad input, and the installed command."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from classifier.cli import main
from classifier.scoring import Classifier
from classifier.text import split_paragraphs

from .conftest import SEEDS, seed_texts

TEXTS = seed_texts()


def _write_jsonl(path, lines):
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


def _records(data: bytes):
    return [json.loads(line) for line in data.split(b"\n") if line]


@pytest.fixture
def mixed_input(tmp_path):
    """Three good documents and one of each kind of bad line, in a known order."""
    good = [json.dumps({"id": k, "text": t}, ensure_ascii=False).encode() for k, t in
            TEXTS.items() if k in {"000", "001", "003"}]
    bad = [b"{not json", b'{"id": "no-text"}', b'{"id": "int", "text": 7}', b"\xff\xfe bad",
           b"[1, 2]"]
    return _write_jsonl(tmp_path / "in.jsonl", [good[0], bad[0], good[1], *bad[1:], good[2]])


def test_annotate_keeps_every_record_in_order(mixed_input, capsysbinary):
    code = main(["annotate", str(mixed_input)])
    out, err = capsysbinary.readouterr()
    records = _records(out)
    assert code == 1  # errors happened
    assert len(records) == 8
    assert [r.get("id") for r in records][:3] == ["000", None, "001"]
    errors = [r["error"]["code"] for r in records if "error" in r]
    assert errors == ["bad_json", "missing_field", "not_a_string", "bad_utf8", "not_an_object"]
    for r in records:
        if "error" in r:
            assert r["error"]["source"] == str(mixed_input) and r["error"]["line"] >= 2
        else:
            assert r["text"] == TEXTS[r["id"]]
            offsets = [(p["start"], p["end"]) for p in r["spamfilter"]["paragraphs"]]
            assert offsets == split_paragraphs(TEXTS[r["id"]])
    assert f"{mixed_input}:2: bad_json".encode() in err
    messages = [r["error"]["message"] for r in records if "error" in r]
    assert messages[2] == "field 'text' is a number, not a string"  # JSON's names, not Python's
    assert messages[4] == "an array, not an object"
    assert b"read 8, kept 3, cleaned 0, dropped 0, errors 5" in err


def test_clean_mode_replaces_text_and_can_keep_the_original(tmp_path, capsysbinary):
    src = _write_jsonl(tmp_path / "in.jsonl", [json.dumps({"text": TEXTS["000"]}).encode()])
    assert main(["clean", "--keep-original", str(src)]) == 0
    (record,) = _records(capsysbinary.readouterr().out)
    assert record["text_original"] == TEXTS["000"]
    assert len(record["text"]) < len(TEXTS["000"])
    assert record["spamfilter"]["label"] in {"injected", "spam"}


def test_filter_mode_sends_dropped_documents_to_rejects(tmp_path, capsysbinary):
    src = _write_jsonl(tmp_path / "in.jsonl", [json.dumps({"id": k, "text": t}).encode()
                                               for k, t in TEXTS.items()])
    rejects = tmp_path / "rejects.jsonl"
    assert main(["filter", "--max-spam-ratio", "0.0", "--rejects", str(rejects), str(src)]) == 0
    kept = _records(capsysbinary.readouterr().out)
    dropped = _records(rejects.read_bytes())
    assert len(kept) + len(dropped) == len(TEXTS)
    assert {r["id"] for r in kept} == {"001"}  # the only seed without spam
    assert all(r["spamfilter"]["spam_ratio"] > 0 for r in dropped)


def test_filter_mode_requires_a_rejects_file(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["filter", "-"])
    assert exc.value.code == 2
    assert "--rejects" in capsys.readouterr().err


def test_text_files_are_one_document_each(capsysbinary):
    paths = sorted(str(p) for p in SEEDS.glob("*.txt"))
    assert main(["annotate", "--silent", *paths]) == 0
    out, err = capsysbinary.readouterr()
    assert [r["id"] for r in _records(out)] == paths
    assert err == b""


def test_jobs_give_the_same_output_as_one_process(tmp_path, capsysbinary):
    lines = [json.dumps({"n": i, "text": t}).encode() for i, t in enumerate(TEXTS.values())] * 6
    src = _write_jsonl(tmp_path / "in.jsonl", lines + [b"oops"])
    main(["annotate", "--silent", "--batch-size", "4", str(src)])
    serial = capsysbinary.readouterr().out
    main(["annotate", "--silent", "--batch-size", "4", "--jobs", "2", str(src)])
    assert capsysbinary.readouterr().out == serial


class _DyingClassifier(Classifier):
    """Scores like the bundled model until the third batch, then its process dies."""

    def predict_batch(self, texts):
        if _DyingClassifier.calls == 2:
            os._exit(3)
        _DyingClassifier.calls += 1
        return super().predict_batch(texts)


def test_a_dead_worker_stops_the_stream_with_an_error_not_a_gap(tmp_path, capsysbinary,
                                                                  monkeypatch):
    """A worker that dies raises in the reader (output so far is complete and in order); the
    CLI says so on stderr and exits 1."""
    from concurrent.futures.process import BrokenProcessPool

    from classifier import bundled_model_path
    from classifier.io import InputRecord
    from classifier.stream import StreamOptions, process

    _DyingClassifier.calls = 0
    dying = _DyingClassifier.from_path(bundled_model_path())
    texts = list(TEXTS.values()) * 4
    records = [InputRecord("in", i, {"text": t}, t) for i, t in enumerate(texts)]
    lines = []
    with pytest.raises(BrokenProcessPool):
        for routed in process(records, dying, StreamOptions(), batch_size=2, jobs=2):
            lines.append(routed.source.line)
    assert lines == list(range(len(lines)))  # what came out came in order, with no gap

    def broken(*args, **kwargs):
        raise BrokenProcessPool("killed")
        yield

    monkeypatch.setattr("classifier.cli.process", broken)
    src = _write_jsonl(tmp_path / "in.jsonl", [json.dumps({"text": TEXTS["001"]}).encode()])
    assert main(["annotate", "--silent", "--jobs", "2", str(src)]) == 1
    assert b"Error: a worker process died (killed)" in capsysbinary.readouterr().err


def test_installed_command_reads_stdin_and_writes_data_only():
    exe = shutil.which("spamfilter") or pytest.fail("the spamfilter command is not installed")
    doc = json.dumps({"text": TEXTS["002"]}, ensure_ascii=False) + "\nnot json\n"
    run = subprocess.run([exe, "annotate"], input=doc.encode(), capture_output=True, check=False)
    assert run.returncode == 1
    records = _records(run.stdout)
    assert len(records) == 2 and records[1]["error"]["code"] == "bad_json"
    assert b"<stdin>:2: bad_json" in run.stderr
    module = subprocess.run([sys.executable, "-m", "classifier", "--help"], capture_output=True)
    assert module.returncode == 0 and b"annotate" in module.stdout
