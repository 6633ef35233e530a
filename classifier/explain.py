"""`spamfilter explain`: a self-contained HTML view of the filter's decisions.

Every paragraph is shown in the original text, coloured by its label, with the injected spans
highlighted inline, the spam score and reason beside it (and on hover), the n-grams that pushed
it most towards spam, and the cleaned text next to the original. Many documents get an index
table (sortable, one row per document) that links to each of them.

The page is self-contained: inline CSS, a few lines of inline JavaScript, no ``src``/``href``
pointing outside the page, and a Content-Security-Policy that forbids any network request.
Document text is shown exactly as given (escaped, never turned into links).
"""

from __future__ import annotations

import argparse
import html
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .features import _BOUNDARY, CHAR_ORDERS, char_ngram_ids
from .model import LABELS, SpamModel
from .results import DocumentResult
from .text import normalize

EDGE = "¶"  # shown in place of the paragraph-edge mark the character n-grams carry
CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "img-src data:; form-action 'none'; base-uri 'none'")


@dataclass(frozen=True)
class Ngram:
    """A character n-gram of a paragraph and how hard it pushes towards spam (spam weight ×
    idf)."""

    text: str  # as the model saw it (normalised); EDGE marks a paragraph edge
    weight: float


def _char_ngrams(paragraphs: list[str]) -> list[tuple[int, str]]:
    """(paragraph, n-gram) of every character n-gram, in the order ``char_ngram_ids`` emits
    them: by order n, then by position across the batch."""
    marked = [f"\x02{p}\x02" for p in paragraphs]
    out = []
    for n in range(1, max(CHAR_ORDERS) + 1):
        if n not in CHAR_ORDERS:
            continue
        for row, m in enumerate(marked):
            for i in range(len(m) - n + 1):
                gram = m[i : i + n]
                if n == 1 and ord(gram) == _BOUNDARY:
                    continue
                out.append((row, gram))
    return out


def top_ngrams(model: SpamModel, paragraphs: Sequence[str], k: int = 5) -> list[list[Ngram]]:
    """Per paragraph (raw text), the ``k`` distinct character 1–3-grams with the largest
    spam-class weight × idf, hashed exactly as the vectorizer hashes them."""
    normalised = [normalize(p) for p in paragraphs]
    vectorizer = model.vectorizer
    classifier = model.first_stage_.classifier_
    spam_row = int(np.searchsorted(classifier.classes_, LABELS.index("spam")))
    if spam_row >= len(classifier.coef_) or classifier.classes_[spam_row] != LABELS.index("spam"):
        return [[] for _ in paragraphs]
    coef = classifier.coef_[spam_row]
    n_char = vectorizer.char_features
    char_weight = coef[:n_char] * vectorizer.char_idf_
    best: list[dict[str, float]] = [{} for _ in paragraphs]
    rows, cols = char_ngram_ids(normalised, n_char)
    grams = _char_ngrams(normalised)
    if len(grams) != len(cols) or not np.array_equal(rows, [row for row, _ in grams]):
        raise RuntimeError("n-gram enumeration does not match features.char_ngram_ids")
    for (row, gram), col in zip(grams, cols.tolist(), strict=True):
        best[row][gram.replace("\x02", EDGE)] = float(char_weight[col])
    return [
        [Ngram(text, weight) for text, weight in
         sorted(found.items(), key=lambda item: -item[1])[:k]]
        for found in best
    ]


# ---------------------------------------------------------------------------------------------
# HTML

_CSS = """
body{font:14px/1.5 system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;
 color:#222;background:#fafafa}
header{padding:12px 20px;background:#263238;color:#fff}
header h1{font-size:18px;margin:0}
main{padding:12px 20px}
table{border-collapse:collapse}
.index th{cursor:pointer;background:#eceff1;text-align:left;padding:4px 10px;user-select:none}
.index th:after{content:" \\2195";color:#90a4ae}
.index td{padding:3px 10px;border-bottom:1px solid #e0e0e0}
.index td.num{text-align:right;font-variant-numeric:tabular-nums}
.doc{margin:18px 0 36px;border-top:3px solid #263238;padding-top:8px}
.doc h2{font-size:16px;margin:4px 0}
.summary{color:#555;margin-bottom:8px}
.cols{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:16px}
.para{display:grid;grid-template-columns:minmax(0,1fr) 260px;gap:10px;padding:6px 8px;
 margin:3px 0;border-left:6px solid #9e9e9e;background:#fff}
.para.genuine{border-left-color:#43a047}
.para.boilerplate{border-left-color:#9e9e9e;background:#f3f3f3;color:#666}
.para.spam{border-left-color:#e53935;background:#fff3f3}
.ptext{white-space:pre-wrap;word-break:break-all}
mark.inj{background:#ffb300;color:#000;outline:2px solid #e65100;border-radius:2px;padding:0 1px}
.decision{font-size:12px;color:#444}
.decision .lab{font-weight:600}
.decision .lab.spam{color:#c62828}.decision .lab.genuine{color:#2e7d32}
.bar{height:5px;background:#e0e0e0;margin:2px 0 4px}
.bar span{display:block;height:5px;background:#e53935}
.ngrams{margin:2px 0 0;padding:0;list-style:none;font-family:ui-monospace,monospace}
.ngrams li{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.ngrams .w{color:#888;display:inline-block;width:52px;text-align:right;margin-right:6px}
.cleaned{white-space:pre-wrap;word-break:break-all;background:#fff;border:1px solid #ddd;
 padding:8px;margin:3px 0}
.legend span{display:inline-block;padding:0 8px;margin-right:8px;border-left:6px solid}
.badge{display:inline-block;padding:0 6px;border-radius:3px;font-size:12px;color:#fff}
.badge.clean{background:#43a047}.badge.injected{background:#fb8c00}.badge.spam{background:#e53935}
a{color:#1565c0}
"""

_JS = """
document.querySelectorAll('table.index th').forEach(function(th, col){
  th.addEventListener('click', function(){
    var body = th.closest('table').tBodies[0];
    var asc = th.dataset.dir !== 'asc'; th.dataset.dir = asc ? 'asc' : 'desc';
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function(a, b){
      var x = a.cells[col].dataset.v, y = b.cells[col].dataset.v;
      var nx = parseFloat(x), ny = parseFloat(y);
      var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return asc ? c : -c;
    });
    rows.forEach(function(r){ body.appendChild(r); });
  });
});
"""

e = html.escape


def _highlighted(text: str, start: int, end: int, spans: Sequence[tuple[int, int]]) -> str:
    """The paragraph ``text[start:end]`` escaped, its spans wrapped in ``<mark class="inj">``
    carrying their document offsets."""
    out, cursor = [], start
    for s, t in sorted(spans):
        s, t = max(s, cursor), min(t, end)
        if s >= t:
            continue
        out.append(e(text[cursor:s]))
        out.append(f'<mark class="inj" data-start="{s}" data-end="{t}">{e(text[s:t])}</mark>')
        cursor = t
    out.append(e(text[cursor:end]))
    return "".join(out)


def _paragraph_html(doc_key: str, index: int, doc: DocumentResult, ngrams: list[Ngram]) -> str:
    p = doc.paragraphs[index]
    hover = f"{p.label}" + (f" ({p.reason})" if p.reason else "") + \
        f" · spam {p.spam_score:.3f} · boilerplate {p.boilerplate_score:.3f}"
    reason = f' <span class="reason">{e(p.reason)}</span>' if p.reason else ""
    grams = "".join(
        f'<li><span class="w">{g.weight:+.3f}</span>{e(g.text)}</li>'
        for g in ngrams
    )
    return (
        f'<div class="para {e(p.label)}" id="{doc_key}-p{index}" data-para="{index}" '
        f'data-start="{p.start}" data-end="{p.end}" data-label="{e(p.label)}" '
        f'data-spam-score="{p.spam_score:.4f}" title="{e(hover)}">'
        f'<div class="ptext">{_highlighted(doc.text, p.start, p.end, p.spans)}</div>'
        f'<div class="decision"><span class="lab {e(p.label)}">{e(p.label)}</span>{reason}'
        f" · spam {p.spam_score:.3f}"
        f'<div class="bar"><span style="width:{100 * p.spam_score:.1f}%"></span></div>'
        f'<ul class="ngrams">{grams}</ul></div></div>'
    )


def document_html(doc_key: str, doc_id: str, doc: DocumentResult,
                  ngrams: list[list[Ngram]]) -> str:
    """One document's section: summary, annotated paragraphs, and the cleaned text."""
    counts = {label: sum(p.label == label for p in doc.paragraphs) for label in LABELS}
    spans = sum(len(p.spans) for p in doc.paragraphs)
    paragraphs = "\n".join(_paragraph_html(doc_key, i, doc, ngrams[i])
                           for i in range(len(doc.paragraphs)))
    return (
        f'<section class="doc" id="{doc_key}" data-label="{e(doc.label)}" '
        f'data-spam-ratio="{doc.spam_ratio:.4f}">'
        f'<h2>{e(doc_id)} <span class="badge {e(doc.label)}">{e(doc.label)}</span></h2>'
        f'<div class="summary">spam ratio {doc.spam_ratio:.3f} · {len(doc.paragraphs)} '
        f"paragraphs: {counts['genuine']} genuine, {counts['spam']} spam, "
        f"{counts['boilerplate']} boilerplate · {spans} injected spans</div>"
        f'<div class="cols"><div class="original"><h3>original, annotated</h3>{paragraphs}</div>'
        f'<div class="clean"><h3>cleaned text</h3><div class="cleaned">{e(doc.clean_text)}'
        f"</div></div></div></section>"
    )


def _index_html(rows: list[tuple[str, str, DocumentResult]], link) -> str:
    body = []
    for n, (key, doc_id, doc) in enumerate(rows):
        spam = sum(p.label == "spam" for p in doc.paragraphs)
        body.append(
            f'<tr><td class="num" data-v="{n}">{n + 1}</td>'
            f'<td data-v="{e(doc_id)}"><a href="{e(link(key))}">{e(doc_id)}</a></td>'
            f'<td data-v="{e(doc.label)}"><span class="badge {e(doc.label)}">{e(doc.label)}'
            f"</span></td>"
            f'<td class="num" data-v="{doc.spam_ratio:.6f}">{doc.spam_ratio:.3f}</td>'
            f'<td class="num" data-v="{spam}">{spam}</td>'
            f'<td class="num" data-v="{len(doc.paragraphs)}">{len(doc.paragraphs)}</td></tr>'
        )
    return (
        '<table class="index"><thead><tr><th>#</th><th>document</th><th>label</th>'
        "<th>spam ratio</th><th>spam paragraphs</th><th>paragraphs</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def page(title: str, body: str) -> str:
    """A complete self-contained HTML page."""
    legend = ('<div class="legend"><span style="border-color:#43a047">genuine</span>'
              '<span style="border-color:#e53935">spam</span>'
              '<span style="border-color:#9e9e9e">boilerplate</span>'
              '<mark class="inj">injected span</mark> · n-grams: spam weight × idf, '
              f"{EDGE} = paragraph edge</div>")
    return (
        "<!DOCTYPE html>\n<html lang=\"zh\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{e(title)}</title><style>{_CSS}</style></head>"
        f"<body><header><h1>{e(title)}</h1></header><main>{legend}{body}</main>"
        f"<script>{_JS}</script></body></html>\n"
    )


def explain_results(
    model: SpamModel, ids: Sequence[str], docs: Sequence[DocumentResult], k: int = 5,
    title: str = "spamfilter: decisions",
) -> str:
    """One HTML page for scored documents: an index (when there are several) and every
    document in turn."""
    flat = [d.text[p.start : p.end] for d in docs for p in d.paragraphs]
    grams = iter(top_ngrams(model, flat, k) if flat else [])
    keys = [f"d{i}" for i in range(len(docs))]
    sections = [document_html(key, doc_id, doc, [next(grams) for _ in doc.paragraphs])
                for key, doc_id, doc in zip(keys, ids, docs, strict=True)]
    index = (_index_html(list(zip(keys, ids, docs, strict=True)), lambda key: f"#{key}")
             if len(docs) > 1 else "")
    return page(title, index + "\n".join(sections))


def explain(texts: str | Sequence[str], ids: Sequence[str] | None = None, classifier=None,
            k: int = 5, title: str = "spamfilter: decisions") -> str:
    """Score ``texts`` (a str or a list) and return the HTML page that explains the decisions.

    ``classifier`` is a loaded model (:func:`classifier.load_model`); the bundled one by default.
    """
    from . import load_model

    texts = [texts] if isinstance(texts, str) else list(texts)
    ids = list(ids) if ids is not None else [f"document {i + 1}" for i in range(len(texts))]
    if len(ids) != len(texts):
        raise ValueError(f"{len(ids)} ids for {len(texts)} texts")
    classifier = classifier or load_model()
    docs = classifier.predict_batch(texts)
    return explain_results(classifier.model, ids, docs, k, title)


def write_split(classifier, ids: list[str], texts: list[str], out_dir: Path, k: int = 5,
                batch_size: int = 64) -> Path:
    """A directory with ``index.html`` and one page per document (``d0.html`` …), for batches
    too big for one page. Returns the index path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for start in range(0, len(texts), batch_size):
        docs = classifier.predict_batch(texts[start : start + batch_size])
        flat = [d.text[p.start : p.end] for d in docs for p in d.paragraphs]
        grams = iter(top_ngrams(classifier.model, flat, k) if flat else [])
        for offset, doc in enumerate(docs):
            key, doc_id = f"d{start + offset}", ids[start + offset]
            section = document_html(key, doc_id, doc, [next(grams) for _ in doc.paragraphs])
            (out_dir / f"{key}.html").write_text(
                page(doc_id, '<p><a href="index.html">← index</a></p>' + section), "utf-8")
            rows.append((key, doc_id, doc))
    index = out_dir / "index.html"
    index.write_text(page(f"spamfilter: {len(rows)} documents",
                          _index_html(rows, lambda key: f"{key}.html")), "utf-8")
    return index


def main(argv: list[str] | None = None) -> int:
    """``spamfilter explain FILE… -o page.html`` (or ``--split DIR``)."""
    from . import bundled_model_path
    from .config import Config
    from .io import read_inputs
    from .model import ModelError
    from .scoring import Classifier

    parser = argparse.ArgumentParser(
        prog="spamfilter explain",
        description="Render the filter's decisions on documents as a self-contained HTML page.")
    parser.add_argument("inputs", nargs="*", default=["-"], metavar="FILE",
                        help="JSONL or .txt files; '-' or none reads standard input")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("-o", "--output", default="-", help="HTML file (default: stdout)")
    target.add_argument("--split", type=Path, metavar="DIR",
                        help="write DIR/index.html and one page per document instead")
    parser.add_argument("--format", choices=("auto", "jsonl", "text"), default="auto")
    parser.add_argument("--field", default="text", help="the text field of JSONL records")
    parser.add_argument("--id-field", default="id", help="JSONL field naming a document")
    parser.add_argument("--model", type=Path, help="model file (default: the bundled model)")
    parser.add_argument("--spam-threshold", type=float, default=Config.spam_threshold)
    parser.add_argument("--top", type=int, default=5, help="n-grams shown per paragraph")
    parser.add_argument("--limit", type=int, help="only the first N documents")
    parser.add_argument("--title", default="spamfilter: decisions")
    args = parser.parse_args(argv)
    try:
        classifier = Classifier.from_path(args.model or bundled_model_path(),
                                          Config(spam_threshold=args.spam_threshold))
    except (ModelError, ValueError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    ids, texts, errors = [], [], 0
    try:
        for record in read_inputs(args.inputs, args.field, args.format):
            if args.limit is not None and len(texts) >= args.limit:
                break
            if record.error:
                errors += 1
                print(f"spamfilter explain: {record.source}:{record.line}: {record.error}: "
                      f"{record.message}", file=sys.stderr)
                continue
            name = record.fields.get(args.id_field)
            ids.append(str(name) if name is not None else f"{record.source}:{record.line}")
            texts.append(record.text)
    except OSError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    if args.split:
        index = write_split(classifier, ids, texts, args.split, args.top)
        print(f"spamfilter explain: {len(texts)} documents → {index}", file=sys.stderr)
    else:
        html_page = explain(texts, ids, classifier, args.top, args.title)
        if args.output == "-":
            sys.stdout.write(html_page)
        else:
            Path(args.output).write_text(html_page, "utf-8")
            print(f"spamfilter explain: {len(texts)} documents → {args.output}", file=sys.stderr)
    return 1 if errors else 0
