"""The explain page (structure, offsets, no external requests), its n-grams, and the report.

The seeds hold explicit spam: assertions are on counts and structure, never on their text.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from classifier.cli import main
from classifier.explain import EDGE, _char_ngrams, explain, top_ngrams
from classifier.features import char_ngram_ids
from classifier.scoring import Classifier
from classifier.text import normalize, split_paragraphs

from .conftest import SEEDS, seed_texts

TEXTS = seed_texts()


@pytest.fixture(scope="module")
def small_classifier(small_model):
    """A quickly trained model: the page's structure does not depend on which model."""
    return Classifier(small_model, {})


class PageParser(HTMLParser):
    """Collects paragraphs, marks (with the text inside them), attributes and script/style."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paras, self.marks, self.docs, self.links = [], [], [], []
        self.attributes, self.code = [], []
        self._mark = None
        self._in = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.attributes.append((tag, attrs))
        if tag == "div" and "para" in (a.get("class") or "").split():
            self.paras.append(a)
        if tag == "mark" and "data-start" in a:
            self._mark = [int(a["data-start"]), int(a["data-end"]), ""]
        if tag == "section" and "doc" in (a.get("class") or "").split():
            self.docs.append(a)
        if tag == "a":
            self.links.append(a.get("href"))
        if tag in ("script", "style"):
            self._in = tag

    def handle_endtag(self, tag):
        if tag == "mark" and self._mark is not None:
            self.marks.append(tuple(self._mark))
            self._mark = None
        if tag in ("script", "style"):
            self._in = None

    def handle_data(self, data):
        if self._mark is not None:
            self._mark[2] += data
        if self._in:
            self.code.append(data)


def parse(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    parser.close()
    return parser


def assert_self_contained(page: str, parser: PageParser) -> None:
    """No attribute or code can make a request: no src/href/action/srcset leaving the page,
    no http(s) URL in CSS or JS, no <link>/<iframe>/<object>/<embed>/<img>."""
    for tag, attrs in parser.attributes:
        assert tag not in {"link", "iframe", "object", "embed", "img", "base", "form"}, tag
        for name, value in attrs:
            if name in {"src", "href", "action", "srcset", "data", "poster", "background"}:
                assert value and (value.startswith("#") or re.fullmatch(r"[\w-]+\.html", value)), \
                    f"<{tag} {name}> points outside the page"
            assert "://" not in (value or "") or name == "content" and tag == "meta", \
                f"<{tag} {name}> carries a URL"
    code = "".join(parser.code)
    assert "http:" not in code and "https:" not in code and "url(" not in code
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_seed_explain_page_structure(small_classifier):
    ids = list(TEXTS)
    texts = [TEXTS[k] for k in ids]
    page = explain(texts, ids, small_classifier)
    docs = small_classifier.predict_batch(texts)
    parser = parse(page)
    assert_self_contained(page, parser)
    # every document, with an index row linking to it
    assert [d["id"] for d in parser.docs] == [f"d{i}" for i in range(len(ids))]
    assert [link for link in parser.links if link.startswith("#")] == \
        [f"#d{i}" for i in range(len(ids))]
    # every paragraph, in order, at its offsets, with its label
    expected = [(str(p.start), str(p.end), p.label) for d in docs for p in d.paragraphs]
    assert len(parser.paras) == sum(len(split_paragraphs(t)) for t in texts) == len(expected)
    assert [(a["data-start"], a["data-end"], a["data-label"]) for a in parser.paras] == expected
    # every injected span marked, at its offsets, around exactly that text
    spans = [(d_index, s, e) for d_index, d in enumerate(docs) for p in d.paragraphs
             for s, e in p.spans]
    assert spans, "the seeds have spam: some span must be marked"
    assert [(s, e) for s, e, _ in parser.marks] == [(s, e) for _, s, e in spans]
    text_of = [texts[d][s:e] for d, s, e in spans]
    pairs = zip(parser.marks, text_of, strict=True)
    mismatched = sum(inner != want for (_, _, inner), want in pairs)
    assert mismatched == 0
    # the cleaned text of every document is on the page
    assert all('class="cleaned">' in page for _ in docs)
    assert page.count('class="cleaned"') == len(docs)


def test_explain_escapes_user_text_and_keeps_urls_as_text(small_classifier):
    text = ('<script src="http://evil.example/x.js"></script>\n'
            "今天天气很好，访问 https://example.com/a?b=1&c=2 了解更多。\n"
            '<img src="https://tracker.example/p.gif">')
    page = explain(text, ["<b>doc</b>"], small_classifier)
    parser = parse(page)
    assert_self_contained(page, parser)
    assert "&lt;script src=&quot;http://evil.example/x.js&quot;&gt;" in page
    assert "https://example.com/a?b=1&amp;c=2" in page  # shown, not linked
    assert "&lt;b&gt;doc&lt;/b&gt;" in page and "<b>doc</b>" not in page


def test_single_document_has_no_index(small_classifier):
    page = explain(TEXTS["004"], ["004"], small_classifier)
    assert 'class="index"' not in page and page.count('class="doc"') == 1


def _hash_alone(gram: str, n_features: int) -> int:
    """The column of an n-gram, found independently: as part of a paragraph made of it."""
    inner = gram.replace(EDGE, "")
    rows, cols = char_ngram_ids([inner], n_features)
    grams = [g for _, g in _char_ngrams([inner])]
    return int(cols[grams.index(gram.replace(EDGE, "\x02"))])


def test_top_ngrams_are_hashed_as_the_vectorizer_hashes_them(small_model):
    paragraph = "澳门威尼斯人娱乐城，今年以来全市新建学校12所。"
    n_char = small_model.vectorizer.char_features
    # the enumeration matches the hashing order
    rows, cols = char_ngram_ids([normalize(paragraph)], n_char)
    assert len(_char_ngrams([normalize(paragraph)])) == len(cols)
    (grams,) = top_ngrams(small_model, [paragraph], k=5)
    assert 0 < len(grams) <= 5
    assert [g.weight for g in grams] == sorted((g.weight for g in grams), reverse=True)
    coef = small_model.first_stage_.classifier_.coef_[1]
    for g in grams:
        col = _hash_alone(g.text, n_char)
        want = coef[col] * small_model.vectorizer.char_idf_[col]
        assert np.isclose(g.weight, want, rtol=1e-5)
    # every column a top n-gram names is a feature the vectorizer gives the paragraph
    assert {g.text for g in grams} <= {
        g.replace("\x02", EDGE) for _, g in _char_ngrams([normalize(paragraph)])}


def test_explain_cli_single_page_and_split(tmp_path, small_model, monkeypatch):
    model_path = tmp_path / "model.joblib"
    small_model.save(model_path, {})
    out = tmp_path / "page.html"
    seeds = sorted(str(p) for p in SEEDS.glob("*.txt"))
    assert main(["explain", *seeds, "--model", str(model_path), "-o", str(out)]) == 0
    page = out.read_text("utf-8")
    assert page.count('class="doc"') == len(seeds) and 'class="index"' in page
    split = tmp_path / "split"
    assert main(["explain", *seeds, "--model", str(model_path), "--split", str(split)]) == 0
    index = (split / "index.html").read_text("utf-8")
    parser = parse(index)
    assert_self_contained(index, parser)
    assert parser.links == [f"d{i}.html" for i in range(len(seeds))]
    for i in range(len(seeds)):
        doc_page = (split / f"d{i}.html").read_text("utf-8")
        assert doc_page.count('class="doc"') == 1
        assert_self_contained(doc_page, parse(doc_page))


def test_report_writes_plots_and_worst_errors(tmp_path, small_model, labeled_documents):
    pytest.importorskip("matplotlib")
    from classifier.report import Evaluation, score_documents, write_report

    sample = ([d for d in labeled_documents if d.group == "seed"]
              + [d for d in labeled_documents if d.group == "cwt"][:25])
    ev = Evaluation("small model on real pages", "real", sample,
                    score_documents(small_model, sample, batch=7))
    assert ev.proba.shape == (sum(len(d.paragraphs) for d in sample), 3)
    path = write_report(tmp_path, [ev])
    for name in ("pr_curves", "confusion", "sources", "histogram"):
        png = tmp_path / f"real_{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = path.read_text("utf-8")
    assert page.count("<img ") == 4 and 'src="data:image/png;base64,' in page
    for _, attrs in parse(page).attributes:  # nothing is fetched: plots are embedded
        for name, value in attrs:
            if name in {"src", "href"}:
                assert value.startswith(("data:image/png;base64,", "#"))
    summary = json.loads((tmp_path / "report.json").read_text("utf-8"))["evaluations"]["real"]
    worst = summary["worst_errors"]
    assert len(worst) == min(50, summary["errors"])
    assert [w["p_label"] for w in worst] == sorted(w["p_label"] for w in worst)
    assert all(w["label"] != w["predicted"] for w in worst)
    assert sum(r["paragraphs"] for r in summary["per_source"]) == summary["paragraphs"]
    assert sum(r["errors"] for r in summary["per_source"]) == summary["errors"]
    assert np.array(summary["confusion"]).sum() == summary["paragraphs"]
    table = summary["spam_by_threshold"]
    assert {r["source"] for r in table} == {"all", "seed", "cwt"}
    assert sum(r["flagged"] for r in table if r["spam_threshold"] == 0.3 and r["source"] != "all"
               ) == next(r["flagged"] for r in table if r["spam_threshold"] == 0.3
                         and r["source"] == "all")
    by_threshold = [r for r in table if r["source"] == "all"]  # lower ones flag and find more
    assert [r["flagged"] for r in by_threshold] == sorted(
        (r["flagged"] for r in by_threshold), reverse=True)
    assert [r["recall"] for r in by_threshold] == sorted(
        (r["recall"] for r in by_threshold), reverse=True)
    at_default = next(r for r in by_threshold if r["spam_threshold"] == 0.3)
    spam = ev.truth == "spam"
    assert at_default["flagged"] == int((ev.proba[:, 1] >= 0.3).sum())
    assert at_default["recall"] == round(float((ev.proba[spam, 1] >= 0.3).mean()), 4)
