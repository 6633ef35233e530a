"""Generated documents: page layouts (article, fiction site, forum, company page, spam site) with
boilerplate chrome and spam elements placed at random, rendered to rows with exact spans."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

import jieba
import jieba.analyse
import opencc

from .common import Para, licence_of, make_row, para_sources, render
from .corpora import (
    Story,
    clauses,
    fiction_chapters,
    fiction_sentences,
    genuine_stories,
    spam_lexicon,
)
from .fill import Filler
from .spam import GEN, SpamKit
from .tables import TABLES

jieba.setLogLevel(60)

CONVERTERS = ("s2t", "s2tw", "s2hk")
KINDS = {"article": 0.78, "fiction_site": 0.08, "forum": 0.05, "company": 0.04, "spam_site": 0.05}
ARTICLE_SPAM = 0.77  # with the spam sites this makes about 65 % of documents carry spam
ELEMENTS = {"keyword_list": 0.35, "headline_list": 0.25, "injected_keywords": 0.4, "spliced_text": 0.3,
            "promotion": 0.15, "brand_title": 0.2}
LIST_STYLES = ("- ", "· ", "", "", "{i}. ", "【{i}】")
HEAD_KINDS = ("nav", "breadcrumb", "site", "english", "comments")


@dataclass
class Doc:
    """A generated document: its paragraphs, the OpenCC config applied to it, its separator."""

    paras: list[Para]
    convert: str | None
    sep: str


def boiler(text: str) -> Para:
    """A boilerplate line made by the generator."""
    return Para.of("boilerplate", text, GEN)


class Generator:
    """Documents of one split (``train`` or ``held``), all randomness from one rng."""

    def __init__(self, shared: Path, split: str, seed: int):
        self.rng = random.Random(f"{seed}/{split}")
        self.f = Filler(self.rng, TABLES[split])
        self.stories = genuine_stories(shared, split, self.rng)
        self.rng.shuffle(self.stories)
        self.story_index = 0
        self.chapters = fiction_chapters(shared, split)
        to_simplified = opencc.OpenCC("t2s").convert  # headlines are converted with their page
        pool = [to_simplified(c) if s.traditional else c
                for s in self.stories for t, _ in s.paragraphs for c in clauses(t, 8, 24)]
        self.kit = SpamKit(self.f, spam_lexicon(shared, split), fiction_sentences(self.chapters), pool)
        self.converters = {name: opencc.OpenCC(name) for name in CONVERTERS}

    # ------------------------------------------------------------ helpers

    def story(self) -> Story:
        """The next genuine story (the shuffled list is reused from the start when exhausted)."""
        story = self.stories[self.story_index % len(self.stories)]
        self.story_index += 1
        return story

    def title_of(self, story: Story) -> Para:
        """The page title: the story's own title, or a leading clause of its first paragraph."""
        text, source = story.paragraphs[0]
        title = story.title or next(iter(clauses(text, 8, 24)), text[:14].rstrip("，、：,"))
        return Para.of("genuine", title, source)

    def head_chrome(self) -> list[Para]:
        """0–4 header lines: navigation, breadcrumb, site name, English/code, login strip."""
        kinds = self.rng.sample(HEAD_KINDS, self.rng.choice((0, 0, 1, 1, 2, 2, 3, 4)))
        lines = []
        for kind in HEAD_KINDS:  # keep a page-like order whatever was drawn
            if kind in kinds:
                lines.append(self.f.nav() if kind == "nav" else self.f.site() if kind == "site"
                             else self.f.chrome(kind))
        return [boiler(x) for x in lines]

    def tag_words(self, story: Story) -> list[str]:
        """3–6 TF-IDF keywords of the story's first paragraphs for a tag line."""
        text = "".join(t for t, _ in story.paragraphs[:3])
        words = [w for w in jieba.analyse.extract_tags(text, topK=8) if re.fullmatch(r"[\u4e00-\u9fff]{2,6}", w)]
        return words[: self.rng.randint(3, 6)]

    def plain_list(self) -> list[Para]:
        """A related-articles block: a header and 3–8 plain titles (boilerplate, no SEO tags)."""
        r = self.rng
        style = r.choice(LIST_STYLES)
        dated = r.random() < 0.3
        items = [boiler(self.f.chrome("headers"))]
        for i in range(1, r.randint(3, 8) + 1):
            text = style.format(i=i) + r.choice(self.kit.clauses) + (f" {self.f.date()}" if dated else "")
            items.append(boiler(text))
        return items

    def headline_list(self) -> list[Para]:
        """A content-farm block: a boilerplate header and 5–30 SEO-tagged headlines (spam); about
        15 % of items carry no tag but belong to the same farm list."""
        r = self.rng
        style = r.choice(LIST_STYLES)
        items = [boiler(self.f.chrome("headers"))]
        for i in range(1, min(30, 5 + int(r.expovariate(1 / 5))) + 1):
            text = style.format(i=i) + self.kit.headline(seo=r.random() > 0.15)
            items.append(Para.of("spam", text, GEN, "headline_list"))
        return items

    def footer_chrome(self, story: Story, related: bool) -> tuple[list[Para], list[Para]]:
        """(after-body lines, bottom-of-page lines): editor, tags, share, prev/next, related list,
        comments, pagination; then copyright/ICP/contact and English lines."""
        r, f = self.rng, self.f
        after: list[Para] = []
        if r.random() < 0.5:
            after.append(boiler(f.chrome("editor")))
        if r.random() < 0.25:
            words = self.tag_words(story)
            if words:
                after.append(boiler(f.fill(f.pick("tags"), words=r.choice((" ", ",", "，", " | ")).join(words))))
        if r.random() < 0.3:
            after.append(boiler(f.chrome("share")))
        if r.random() < 0.25:
            after += [boiler(f.fill(t, title=r.choice(self.kit.clauses))) for t in f.t["prev_next"][:2]]
        if related:
            after += self.plain_list()
        if r.random() < 0.25:
            after.append(boiler(f.chrome("comments")))
        if r.random() < 0.12:
            after.append(boiler(f.chrome("pagination")))
        bottom = [boiler(f.chrome("footer")) for _ in range(r.choice((0, 0, 1, 1, 2)))]
        if r.random() < 0.15:
            bottom.append(boiler(f.chrome("english")))
        return after, bottom

    def converter_for(self, story_traditional: bool) -> str | None:
        """OpenCC config of a document: s2tw for Taiwanese text (it leaves the text as it is and
        converts the chrome and spam around it), one of s2t/s2tw/s2hk for ~35 % of the rest."""
        if story_traditional:
            return "s2tw"
        return self.rng.choice(CONVERTERS) if self.rng.random() < 0.35 else None

    # ------------------------------------------------------------ layouts

    def article(self) -> Doc:
        """A news or encyclopedia page, clean or carrying 1+ spam elements."""
        r, kit = self.rng, self.kit
        story = self.story()
        elements = []
        if r.random() < ARTICLE_SPAM:
            elements = [e for e, p in ELEMENTS.items() if r.random() < p] or [r.choice(list(ELEMENTS))]
        title = self.title_of(story)
        body = [Para.of("genuine", t, s) for t, s in story.paragraphs]
        head = self.head_chrome()
        if r.random() < 0.6:
            head.append(boiler(self.f.chrome("byline")))
        if r.random() < 0.2:
            head.append(boiler(self.f.chrome("picture")))
        after, bottom = self.footer_chrome(story, related=r.random() < (0.2 if elements else 0.3))
        brands = [kit.brand() for _ in range(r.randint(1, 2))]

        if "spliced_text" in elements:
            for para in r.sample(body, r.randint(1, min(4, len(body)))):
                kit.splice_fiction(para)
        if "injected_keywords" in elements:
            n = len(body) if r.random() < 0.25 else r.randint(1, min(4, len(body)))
            for para in r.sample(body, n):
                kit.inject_keywords(para, brands, r.randint(1, 4))
            after += self.branded_chrome(story, brands)
        if "brand_title" in elements or ("injected_keywords" in elements and r.random() < 0.5):
            title = kit.brand_title(title.segments[0][0], title.segments[0][2], r.choice(brands))
        elif "headline_list" in elements and r.random() < 0.4:
            title = kit.seo_title(title.segments[0][0], title.segments[0][2])
        if "promotion" in elements:
            for _ in range(r.randint(1, 3)):
                body.insert(r.randint(0, len(body)), kit.promotion())
        if "headline_list" in elements:
            after += self.headline_list()

        paras = head + [title] + body + after + bottom
        if "keyword_list" in elements:
            paras = self.add_keyword_lines(paras)
        if story.traditional and r.random() < 0.3:  # simplified spam lines on a traditional page
            for para in paras:
                para.convert = not (para.label == "spam" and para.whole)
        return Doc(paras, self.converter_for(story.traditional), r.choice(("\n", "\n\n")))

    def branded_chrome(self, story: Story, brands: list[str]) -> list[Para]:
        """Chrome lines hijacked with the brand (a tag line or a prev/next link), sometimes none."""
        r, kit = self.rng, self.kit
        x = r.random()
        if x < 0.25:
            words = self.tag_words(story) or [r.choice(kit.clauses)]
            sep = r.choice((",", "，"))
            return [Para("spam", [(r.choice(("本文关键词：", "关键词：", "标签：")), False, GEN),
                                  (r.choice(brands), True, GEN), (sep + sep.join(words), False, GEN)],
                         "injected_keywords")]
        if x < 0.45:
            para = kit.brand_title(r.choice(kit.clauses), GEN, r.choice(brands))
            para.segments.insert(0, (r.choice(self.f.t["prev_next"]).split("{")[0], False, GEN))
            return [para]
        return []

    def add_keyword_lines(self, paras: list[Para]) -> list[Para]:
        """Keyword lists as the first line, the last line (maybe under a header), or both."""
        r, kit = self.rng, self.kit
        where = r.choice(("first", "first", "last", "last", "both"))
        converted_alike = r.random() < 0.7
        lines = [kit.keyword_line() for _ in range(2 if where == "both" else 1)]
        for line in lines:
            line.convert = converted_alike
        if where in ("first", "both"):
            paras = [lines.pop(0)] + paras
        if lines:
            header = [boiler(self.f.chrome("headers"))] if r.random() < 0.3 else []
            paras = paras + header + lines
        return paras

    def fiction_site(self) -> Doc:
        """A novel chapter on a fiction site: genuine paragraphs, fiction-site chrome (hard negative)."""
        r, f = self.rng, self.f
        chapter = r.choice(self.chapters)
        n = min(40, 10 + int(r.expovariate(1 / 6)))
        start = r.randint(0, max(0, len(chapter.paragraphs) - n))
        body = [Para.of("genuine", t, s) for t, s in chapter.paragraphs[start:start + n]]
        book = re.sub(r"(全集|大全集|经典全集)$", "", chapter.paragraphs[0][1].split("/")[1].split(".")[0])
        head = [boiler(f.nav())] if r.random() < 0.5 else []
        head += [boiler(f.chrome("fiction_chrome", book=book)) for _ in range(r.randint(0, 2))]
        title = Para.of("genuine", chapter.title, chapter.paragraphs[0][1])
        foot = [boiler(f.chrome("fiction_chrome", book=book)) for _ in range(r.randint(1, 3))]
        foot += [boiler(f.chrome("footer")) for _ in range(r.randint(0, 1))]
        return Doc(head + [title] + body + foot, self.converter_for(False), r.choice(("\n", "\n\n")))

    def forum(self) -> Doc:
        """A forum thread: short genuine posts between per-post chrome lines (hard negative)."""
        r, f = self.rng, self.f
        story = self.story()
        paras = self.head_chrome() + [self.title_of(story)]
        if r.random() < 0.5:
            paras.append(boiler(f.fill("查看: {n} | 回复: {k}") if r.random() < 0.5 else f.chrome("forum_chrome")))
        for text, source in story.paragraphs[: r.randint(3, 6)]:
            paras.append(boiler(f.chrome("forum_chrome")))
            paras.append(Para.of("genuine", text, source))
        for _ in range(r.randint(1, 3)):
            paras.append(boiler(f.chrome(r.choice(("forum_chrome", "footer", "comments")))))
        return Doc(paras, self.converter_for(story.traditional), r.choice(("\n", "\n\n")))

    def company(self) -> Doc:
        """A company page: menus, product catalogue and contact lines around a short description
        written from the split's company templates (hard negative: product text is genuine)."""
        r, f = self.rng, self.f
        products = r.sample(f.t["products"], r.randint(3, 8))
        name = f.fill("{city}") + r.choice(f.t["site_places"]) + products[0] + r.choice(("有限公司", "制造厂", "科技有限公司"))
        paras = [boiler(f.pick("nav_seps").join(r.sample([c for c in f.t["company_chrome"] if "{" not in c], 4)))]
        paras.append(Para.of("genuine", name, GEN))
        if r.random() < 0.5:
            paras.append(boiler(r.choice(("产品中心：", "产品分类：", "")) + " ".join(products)))
        else:
            paras += [boiler(p) for p in products]
        about = r.sample(f.t["company_about"], len(f.t["company_about"]))
        for group in (about[:2], about[2:4], about[4:6])[: r.randint(1, 3)]:
            text = "".join(f.fill(t, company=name, p1=products[0], p2=products[1], p3=products[2]) for t in group)
            paras.append(Para.of("genuine", text, GEN))
        paras += [boiler(f.chrome("company_chrome")) for _ in range(r.randint(2, 4))]
        paras += [boiler(f.chrome("footer")) for _ in range(r.randint(0, 2))]
        return Doc(paras, self.converter_for(False), r.choice(("\n", "\n\n")))

    def spam_site(self) -> Doc:
        """A gambling/lottery site: every content line is spam, its chrome is boilerplate."""
        r, kit = self.rng, self.kit
        paras = [boiler(self.f.nav())] if r.random() < 0.7 else []
        paras.append(kit.site_title())
        paras += [kit.promotion() for _ in range(r.randint(3, 10))]
        if r.random() < 0.6:
            paras.append(kit.keyword_line())
        paras += [boiler(self.f.chrome("footer")) for _ in range(r.randint(0, 2))]
        return Doc(paras, self.converter_for(False), r.choice(("\n", "\n\n")))

    def document(self) -> Doc:
        """One document of a layout drawn by KINDS weights."""
        kind = self.rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
        return getattr(self, kind)()

    # ------------------------------------------------------------ rows

    def rows(self, doc_id: str, doc: Doc) -> list[dict]:
        """Rows of a document: text rendered (and converted) per segment, exact spans, provenance."""
        convert = self.converters[doc.convert].convert if doc.convert else None
        out = []
        for n, para in enumerate(doc.paras):
            text, spans = render(para, convert if para.convert else None)
            tags = para_sources(para)
            source = " + ".join(t if t == GEN else f"shared/data/{t}" for t in tags)
            licence = " + ".join(dict.fromkeys(licence_of(t) for t in tags))
            out.append(make_row(doc_id, n, text, para.label, para.reason if para.label == "spam" else None,
                                spans, source, "generator", licence, doc.sep))
        return out


def generated_rows(shared: Path, split: str, seed: int, count: int, prefix: str) -> list[dict]:
    """``count`` documents of a split as rows, ids ``<prefix>/0000`` …"""
    gen = Generator(shared, split, seed)
    rows = []
    for i in range(count):
        rows += gen.rows(f"{prefix}/{i:04d}", gen.document())
    return rows
