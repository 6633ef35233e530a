"""The CLI stream against what crawls throw at it: compression, truncation, encodings, huge and
empty documents, other languages, WARC/WET, SIGPIPE, Ctrl-C, and random records."""

import gzip
import io
import json
import shutil
import signal
import subprocess
import time

import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifier.cli import main

from .conftest import seed_texts

TEXTS = seed_texts()
NEWS = TEXTS["001"]


def _lines(data: bytes) -> list[dict]:
    """JSONL records: lines end at "\n" only (U+0085 or U+2028 inside a string are text)."""
    return [json.loads(line) for line in data.split(b"\n") if line]


def _jsonl(records) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)


@pytest.mark.parametrize("suffix", [".gz", ".zst"])
def test_compressed_input_and_output(tmp_path, suffix, capsysbinary):
    records = [{"id": i, "text": NEWS} for i in range(3)]
    compress = gzip.compress if suffix == ".gz" else zstandard.ZstdCompressor().compress
    src = tmp_path / f"in.jsonl{suffix}"
    src.write_bytes(compress(_jsonl(records)))
    out = tmp_path / f"out.jsonl{suffix}"
    assert main(["annotate", "--silent", str(src), "-o", str(out)]) == 0
    decompress = (gzip.decompress if suffix == ".gz"
                  else zstandard.ZstdDecompressor().decompressobj().decompress)
    written = _lines(decompress(out.read_bytes()))
    assert [r["id"] for r in written] == [0, 1, 2]
    assert all("spamfilter" in r for r in written)


def test_truncated_gzip_keeps_what_it_read_and_says_where_it_ends(tmp_path, capsysbinary):
    data = gzip.compress(_jsonl([{"id": i, "text": NEWS} for i in range(20)]))
    src = tmp_path / "cut.jsonl.gz"
    src.write_bytes(data[: len(data) // 2])
    after = tmp_path / "after.jsonl"
    after.write_bytes(_jsonl([{"id": "next", "text": NEWS}]))
    assert main(["annotate", "--silent", str(src), str(after)]) == 1
    records = _lines(capsysbinary.readouterr().out)
    errors = [r for r in records if "error" in r]
    assert len(errors) == 1 and errors[0]["error"]["code"] == "truncated_input"
    assert errors[0]["error"]["line"] == len(records) - 1  # the line after the last one read
    assert records[-1]["id"] == "next"  # the next input still flows


def test_missing_input_is_an_error_record_and_the_rest_flows(tmp_path, capsysbinary):
    good = tmp_path / "good.jsonl"
    good.write_bytes(_jsonl([{"text": NEWS}]))
    assert main(["annotate", str(tmp_path / "absent.jsonl"), str(good)]) == 1
    out, err = capsysbinary.readouterr()
    records = _lines(out)
    assert records[0]["error"]["code"] == "unreadable_input"
    assert "spamfilter" in records[1]
    assert b"absent.jsonl:1: unreadable_input" in err


@pytest.mark.parametrize("suffix", [".gz", ".zst"])
def test_a_file_not_compressed_as_named_is_unreadable_and_the_rest_flows(
    tmp_path, capsysbinary, suffix
):
    wrong = tmp_path / f"plain.jsonl{suffix}"
    wrong.write_bytes(_jsonl([{"text": NEWS}]))
    good = tmp_path / "good.jsonl"
    good.write_bytes(_jsonl([{"text": NEWS}]))
    assert main(["annotate", str(wrong), str(good)]) == 1
    out, err = capsysbinary.readouterr()
    records = _lines(out)
    assert records[0]["error"]["code"] == "unreadable_input"
    assert "spamfilter" in records[1]
    assert f"plain.jsonl{suffix}:1: unreadable_input".encode() in err


def test_encodings_boms_and_nuls(tmp_path, capsysbinary):
    lines = [
        b"\xef\xbb\xbf" + json.dumps({"id": "bom", "text": NEWS}).encode(),
        json.dumps({"id": "gb"}).encode()[:-1] + b', "text": "' + "新闻正文".encode(
            "gb18030") + b'"}',
        json.dumps({"id": "nul-escaped", "text": "正文\u0000正文"}).encode(),
        b'{"id": "nul-raw", "text": "\x00"}',
    ]
    src = tmp_path / "enc.jsonl"
    src.write_bytes(b"\n".join(lines) + b"\n")
    assert main(["annotate", "--silent", str(src)]) == 1
    records = _lines(capsysbinary.readouterr().out)
    assert len(records) == 4
    assert records[0]["id"] == "bom" and "spamfilter" in records[0]
    assert records[1]["error"]["code"] == "bad_utf8"
    assert "spamfilter" in records[2]
    assert records[3]["error"]["code"] == "bad_json"


def test_huge_empty_and_foreign_documents(tmp_path, capsysbinary):
    huge = "这是一个很长的段落。" * 1_200_000  # 12 M characters, 36 MB of UTF-8, one line
    docs = [
        {"id": "huge", "text": huge},
        {"id": "empty", "text": ""},
        {"id": "blank", "text": " \n\t\n "},
        {"id": "english", "text": "Breaking news: the council approved the budget.\nRead more"},
        {"id": "japanese", "text": "東京都は新しい計画を発表しました。\n詳しくはこちら"},
        {"id": "code", "text": "def f(x):\n    return x + 1\n\nprint(f(2))"},
    ]
    src = tmp_path / "mixed.jsonl"
    src.write_bytes(_jsonl(docs))
    assert main(["annotate", "--silent", str(src)]) == 1
    records = {r["id"]: r for r in _lines(capsysbinary.readouterr().out)}
    assert records["huge"]["error"]["code"] == "too_long"
    assert records["huge"]["text"] == huge  # passed through whole, not lost
    assert records["empty"]["spamfilter"]["paragraphs"] == []
    assert records["blank"]["spamfilter"]["paragraphs"] == []
    for key in ("english", "japanese", "code"):
        assert len(records[key]["spamfilter"]["paragraphs"]) >= 2


def _wet_file(path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        for i, text in enumerate([NEWS, TEXTS["000"]]):
            record = writer.create_warc_record(
                f"http://example.test/{i}", "conversion", payload=io.BytesIO(text.encode()),
                warc_content_type="text/plain",
            )
            writer.write_record(record)
        html = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.0")
        writer.write_record(writer.create_warc_record(
            "http://example.test/page", "response", payload=io.BytesIO(b"<p>x</p>"),
            http_headers=html,
        ))


def test_wet_records_are_documents(tmp_path, capsysbinary):
    src = tmp_path / "crawl.warc.wet.gz"
    _wet_file(src)
    assert main(["annotate", "--silent", str(src)]) == 1
    records = _lines(capsysbinary.readouterr().out)
    assert [r["url"] for r in records] == [
        "http://example.test/0", "http://example.test/1", "http://example.test/page"]
    assert records[0]["spamfilter"]["label"] == "clean"
    assert records[1]["spamfilter"]["label"] in {"injected", "spam"}
    assert records[2]["error"]["code"] == "not_text"


def _big_input(tmp_path, n=400):
    src = tmp_path / "big.jsonl"
    src.write_bytes(_jsonl([{"id": i, "text": NEWS} for i in range(n)]))
    return src


def test_sigpipe_stops_quietly(tmp_path):
    exe = shutil.which("spamfilter")
    run = subprocess.run(f"{exe} annotate --silent {_big_input(tmp_path)} | head -n 2",
                         shell=True, capture_output=True, executable="/bin/bash")
    assert len(run.stdout.splitlines()) == 2
    assert b"Traceback" not in run.stderr and b"BrokenPipe" not in run.stderr


def test_ctrl_c_leaves_valid_jsonl(tmp_path):
    out = tmp_path / "out.jsonl"
    process = subprocess.Popen([shutil.which("spamfilter"), "annotate", "--silent",
                                "--batch-size", "8", str(_big_input(tmp_path, 40000)),
                                "-o", str(out)], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while (not out.exists() or out.stat().st_size < 100_000) and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    records = _lines(out.read_bytes())
    assert 0 < len(records) < 40000
    assert [r["id"] for r in records] == list(range(len(records)))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5),
                                                                        children, max_size=3),
    max_leaves=6,
)
records = st.lists(
    st.one_of(
        st.fixed_dictionaries({"text": st.text(max_size=200)}, optional={"meta": json_values}),
        st.dictionaries(st.text(max_size=8), json_values, max_size=4),
        st.binary(max_size=40).filter(lambda b: b"\n" not in b and b.strip()),
    ),
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(records)
def test_records_in_equal_records_out(tmp_path, capsysbinary, items):
    lines = [item if isinstance(item, bytes) else json.dumps({**item, "_n": i}).encode()
             for i, item in enumerate(items)]
    src = tmp_path / "random.jsonl"
    src.write_bytes(b"".join(line + b"\n" for line in lines))
    code = main(["annotate", "--silent", "--batch-size", "4", str(src)])
    out = _lines(capsysbinary.readouterr().out)
    assert len(out) == len(items)
    for i, (item, record) in enumerate(zip(items, out)):
        if not isinstance(item, bytes):
            assert record["_n"] == i
    assert code in (0, 1)


def test_a_directory_of_shards_gives_shards_of_the_same_names(tmp_path, capsysbinary):
    shards = tmp_path / "in"
    shards.mkdir()
    (shards / "part-000.jsonl").write_bytes(_jsonl([{"id": 0, "text": NEWS}]))
    (shards / "part-001.jsonl.gz").write_bytes(gzip.compress(_jsonl(
        [{"id": 1, "text": TEXTS["000"]}, {"id": 2, "text": NEWS}])))
    out, rejects = tmp_path / "out", tmp_path / "rejects"
    assert main(["filter", "--silent", "--max-spam-ratio", "0", str(shards), "-o", str(out),
                 "--rejects", str(rejects)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["part-000.jsonl", "part-001.jsonl.gz"]
    kept = _lines(gzip.decompress((out / "part-001.jsonl.gz").read_bytes()))
    dropped = _lines(gzip.decompress((rejects / "part-001.jsonl.gz").read_bytes()))
    assert [r["id"] for r in kept] == [2] and [r["id"] for r in dropped] == [1]
    assert [r["id"] for r in _lines((out / "part-000.jsonl").read_bytes())] == [0]


def test_documents_over_the_time_budget_pass_through_as_timeout(tmp_path, capsysbinary):
    src = tmp_path / "in.jsonl"
    src.write_bytes(_jsonl([{"id": i, "text": NEWS} for i in range(3)]))
    assert main(["annotate", "--silent", "--doc-timeout", "0.000001", str(src)]) == 1
    records = _lines(capsysbinary.readouterr().out)
    assert [r["id"] for r in records] == [0, 1, 2]
    assert {r["error"]["code"] for r in records} == {"timeout"}
    assert main(["annotate", "--silent", str(src)]) == 0  # the default budget is ample
    assert all("spamfilter" in r for r in _lines(capsysbinary.readouterr().out))
