"""Span arithmetic and cleaning: merging, removal, rejoining, offsets back to the original."""

import numpy as np
import pytest

from classifier.spans import merge, remove_spans


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([(5, 8), (0, 2)], [(0, 2), (5, 8)]),  # sorted
        ([(0, 3), (3, 6)], [(0, 6)]),  # adjacent
        ([(0, 4), (2, 6), (5, 9)], [(0, 9)]),  # overlapping chain
        ([(4, 4), (1, 2)], [(1, 2)]),  # empty span dropped
    ],
)
def test_merge(spans, expected):
    assert merge(spans) == expected


def test_mid_word_splice_is_rejoined():
    # A foreign sentence spliced into the middle of a word (血|…|管): cutting it restores the word.
    text = "云南阜外血婿家也穷得不行，吧?管内科主任说。"
    start = text.index("婿")
    end = text.index("管")
    clean, kept = remove_spans(text, [(start, end)])
    assert clean == "云南阜外血管内科主任说。"
    assert kept == [(0, start), (end, len(text))]
    assert "".join(text[s:e] for s, e in kept) == clean


def test_spans_at_paragraph_edges_and_mixed_scripts():
    text = "ABC体育官网app第一段正文。\r\n\r\n第二段正文yabo88"
    first = (0, text.index("第一段"))
    last = (text.index("yabo88"), len(text))
    clean, kept = remove_spans(text, [first, last])
    assert clean == "第一段正文。\r\n\r\n第二段正文"
    for s, e in kept:  # offsets of kept text point into the original
        assert text[s:e] in clean


def test_a_line_emptied_by_removal_disappears_with_its_break():
    text = "标题\nkeyword1,keyword2\n正文。"
    clean, _ = remove_spans(text, [(3, 20)])
    assert clean == "标题\n正文。"


def test_whole_document_removed_and_nothing_removed():
    assert remove_spans("只有垃圾", [(0, 4)]) == ("", [])
    assert remove_spans("正文", []) == ("正文", [(0, 2)])


def test_predicted_spans_point_into_the_original(bundled):
    from .conftest import seed_texts

    text = seed_texts()["004"]
    doc = bundled.predict(text)
    spans = [s for p in doc.paragraphs for s in p.spans]
    assert spans, "seed 004 has injections"
    for p in doc.paragraphs:
        for s, e in p.spans:
            assert p.start <= s < e <= p.end
    removed = np.zeros(len(text), dtype=bool)
    for s, e in spans:
        removed[s:e] = True
    assert len(doc.clean_text) <= len(text) - removed.sum()


def test_tagger_gathered_logits_equal_the_matrix_product(small_model, small_training_set):
    from classifier.text import normalize

    tagger = small_model.first_stage_.tagger_
    paragraphs = [normalize(p) for d in small_training_set[:20] for p in d.paragraphs]
    reference = tagger.classifier_.decision_function(tagger._features(paragraphs))[:, 0]
    np.testing.assert_allclose(tagger.char_logits(paragraphs), reference, rtol=1e-5, atol=1e-4)


def test_novel_chapters_on_a_novel_site_are_not_cut_to_pieces(bundled):
    """Held-out novel-site pages (novels never seen in training): fiction on a fiction site is
    genuine, so whole chapters must come through nearly untouched."""
    from classifier.dataset import load_documents
    from classifier.span_eval import is_fiction_chapter

    from .conftest import ROOT

    chapters = [d for d in load_documents(ROOT / "data" / "heldout") if is_fiction_chapter(d)]
    assert len(chapters) >= 20
    results = bundled.predict_batch(["\n".join(d.paragraphs) for d in chapters])
    flagged = [sum(p.label == "spam" for p in r.paragraphs) / len(r.paragraphs) for r in results]
    assert max(flagged) <= 0.2, f"a chapter lost {max(flagged):.0%} of its paragraphs"
    assert sum(f == 0 for f in flagged) >= 0.7 * len(chapters)


def test_an_injection_is_located_by_how_it_stands_out_from_its_paragraph(bundled):
    """No character clears 0, so a list-like spam paragraph is taken whole; a paragraph whose
    reason is an injection keeps its genuine text and loses the characters near its peak, and
    those whose own log-odds are high, one more on each side."""
    tagger = bundled.model.first_stage_.tagger_
    scores = np.full(40, -6.0)
    scores[10:14] = -1.5  # four characters stand out, none above 0
    scores[30] = -3.0  # a lone character below the margin stays
    raw = np.full(40, -5.0)
    assert tagger.locate(scores) == [(0, 40)]
    assert tagger.locate(scores, raw) == [(9, 15)]  # widened by the smoothing
    raw[24:26] = 3.0  # a two-character keyword the smoothing blurred below the margin
    assert tagger.locate(scores, raw) == [(9, 15), (23, 27)]
    raw[24:26] = 1.5  # not strong enough on its own
    assert tagger.locate(scores, raw) == [(9, 15)]
    scores[:] = -1.0  # nothing stands out: the whole paragraph, as before
    assert tagger.locate(scores, np.full(40, -1.0)) == [(0, 40)]


def test_span_report_counts_seed_004s_hand_spans(bundled, labeled_documents):
    """The span evaluation accounts for every hand span of seed 004, and the bundled model
    locates every one of them (the issue's acceptance) and keeps 95 % of its genuine text."""
    from classifier.span_eval import span_report, tagger_ranking

    (doc,) = [d for d in labeled_documents if d.doc_id == "seed/004"]
    report = span_report(bundled, [doc])
    spans = report["labeled_spans"]
    assert spans["total"] == sum(len(s) for s in doc.spans) == 33
    assert spans["removed_whole"] + spans["removed_in_part"] + spans["missed"] == 33
    assert spans["missed"] == 0
    assert report["genuine_chars_removed"] <= 0.05
    # the tagger, read on every paragraph regardless of the paragraph verdict, ranks seed
    # 004's injected characters above its genuine ones (it trained on this page)
    ranking = tagger_ranking(bundled, [doc])
    assert ranking["char_auc_within_part_genuine_paragraphs"] > 0.95
    assert ranking["char_auc_vs_genuine_paragraphs"] > 0.95
    assert ranking["part_genuine_found_at_1pct_genuine_cut"] > 0.9


def test_pages_flattened_into_one_line_are_still_cleaned(bundled):
    """Held-out pages (families and novels never seen in training) with their lines joined
    into one: scored by segments, their spam is still found (line-only scoring found 4 % of
    its characters) and genuine text is not cut for it."""
    from classifier.dataset import load_documents
    from classifier.span_eval import span_report

    from .conftest import ROOT

    documents = load_documents(ROOT / "data" / "heldout")
    for sep in ("", " "):
        report = span_report(bundled, documents, sep)
        spam = report["all_spam_chars"]
        assert spam["recall"] >= 0.24 and spam["precision"] >= 0.75, (sep, spam)
        assert report["genuine_chars_removed"] <= 0.01, (sep, report["genuine_chars_removed"])


def test_the_sidecar_records_what_the_bundled_model_cleans_out_of_the_held_out_set(
        bundled, labeled_documents):
    """`python train.py` writes the cleaning figures of the model it trains (on the held-out
    set, and on the seeds it trained on) into the sidecar and its metrics table; they are what
    the bundled model does today."""
    from classifier.dataset import load_documents
    from classifier.training import cleaning_metrics, held_out_metrics, markdown_report

    from .conftest import ROOT

    held = load_documents(ROOT / "data" / "heldout")
    seeds = [d for d in labeled_documents if d.group == "seed"]
    metrics = bundled.info["metrics"]
    assert metrics["held_out_cleaning"] == cleaning_metrics(bundled.model, held, bundled.config)
    assert metrics["seeds_cleaning"] == cleaning_metrics(bundled.model, seeds, bundled.config)
    assert metrics["held_out"] == held_out_metrics(bundled.model, held, bundled.config)
    assert metrics["held_out_cleaning"]["fiction_chapters"] >= 20
    table = markdown_report(metrics)
    for key in ("held_out_cleaning", "seeds_cleaning"):
        assert f"{metrics[key]['genuine_chars_removed']:.2%}" in table
    assert str(metrics["held_out"]["spam_average_precision"]) in table
    for group in ("cwt", "seed"):
        assert str(metrics["cross_validation"][group]["spam_average_precision"]) in table


def test_a_document_learns_its_injection_keys_from_the_spans_located_in_it():
    """A pair of Han characters located in three paragraphs or more, with nine in ten of its
    occurrences in the page located, is a key, found wherever it occurs; a pair the page also
    uses on its own (a name a novel repeats) is not, nor one located in fewer paragraphs, nor
    anything but a Han pair; offsets hold across scripts."""
    from classifier.spans import recurring_injections

    page = [f"第{i}段秒杀网址" for i in range(9)] + ["正文ab里的秒杀与秒"]
    located = {i: [(3, 5)] for i in range(9)}
    found = recurring_injections(page, located)
    assert found == {**located, 9: [(6, 8)]}
    assert recurring_injections(page[:8] + page[9:], located) == {}  # 7 of 8 is under 0.9
    # located many times, but in two paragraphs only
    assert recurring_injections(["秒杀秒杀秒杀秒杀", "秒杀秒杀", "秒杀"],
                                {0: [(0, 8)], 1: [(0, 4)]}) == {}
    # 宝玉 lies in spans of three paragraphs but the chapter names him twice more: no key
    chapter = ["宝玉笑道秒杀", "宝玉秒杀去了", "宝玉秒杀", "宝玉不语", "宝玉来了"]
    assert recurring_injections(chapter, {0: [(0, 6)], 1: [(0, 4)], 2: [(0, 4)]}) == {
        0: [(4, 6)], 1: [(2, 4)], 2: [(2, 4)]}
    # Latin letters, digits, punctuation: no key
    brands = ["js333网。b"] * 4
    assert recurring_injections(brands, {i: [(0, 8)] for i in range(4)}) == {}


def test_a_short_keyword_recurring_in_a_page_is_removed_where_the_paragraph_model_misses_it(
        bundled, labeled_documents):
    """Seed 004's two-character injection, put into a long genuine paragraph of seed 001: alone
    the paragraph model lets it through, but on seed 004's page, where the tagger locates that
    keyword again and again, it is cut out, and only it; not so in a line of page chrome."""
    documents = {d.doc_id: d for d in labeled_documents}
    injected_page = documents["seed/004"]
    keyword = next(p[s:e] for p, spans in zip(injected_page.paragraphs, injected_page.spans)
                   for s, e in spans if e - s == 2)
    genuine = documents["seed/001"].paragraphs[7]
    at = genuine.index("。", 300) + 1
    paragraph = genuine[:at] + keyword + genuine[at:]
    alone = bundled.predict(paragraph).paragraphs[0]
    assert alone.label == "genuine" and alone.spans == ()

    page = "\n".join(injected_page.paragraphs)
    result = bundled.predict(page + "\n" + paragraph)
    last = result.paragraphs[-1]
    offset = len(page) + 1
    assert (last.label, last.reason) == ("spam", "injected_keywords")
    assert last.spam_score >= bundled.config.spam_threshold
    assert last.spans == ((offset + at, offset + at + 2),)
    assert result.clean_text.endswith(genuine)
    # page chrome that names the keyword stays chrome: the keys are not spread into it
    credit = bundled.predict(page + "\n责任编辑：" + keyword).paragraphs[-1]
    assert (credit.label, credit.spans) == ("boilerplate", ())


def test_spans_located_for_a_whole_batch_equal_those_located_one_paragraph_at_a_time(bundled):
    """``locate_rows`` (every spam paragraph of a batch in one pass) gives each paragraph the
    spans ``locate`` gives it alone, with and without its unsmoothed scores, also for empty
    paragraphs and runs that touch a paragraph edge."""
    from .conftest import seed_texts

    documents = [text.splitlines() for text in seed_texts().values()]
    scores = bundled.model.score(documents)
    tagger = bundled.model.first_stage_.tagger_
    rows = list(range(len(scores.proba)))
    injection = [row % 2 == 0 for row in rows]
    batched = tagger.locate_rows(scores.char_scores, scores.char_logits, scores.char_starts,
                                 rows, injection)
    alone = []
    for row, inj in zip(rows, injection):
        smoothed, raw = scores.characters(row)
        alone.append(tagger.locate(smoothed, raw if inj else None))
    assert batched == alone
    assert any(spans == [(0, 0)] for spans in alone)  # blank lines are in the batch
    assert sum(spans != [(0, len(scores.characters(row)[0]))]
               for row, spans in enumerate(alone)) > 20  # and paragraphs with partial spans
