"""Spam pieces: brand names, keywords, content-farm headlines, promotion lines, and the two ways of
damaging a genuine paragraph (injecting keywords, splicing in fiction) with exact segments."""

from __future__ import annotations

import re

import jieba

from .common import Para
from .fill import Filler

GEN = "generator"
PUNCT = set("，。！？；：、,.!?;:“”\"'（）()《》【】")


class SpamKit:
    """Spam material of one split: its morpheme tables, lexicon, fiction and headline clauses."""

    def __init__(self, filler: Filler, lexicon: list[tuple[str, str]],
                 fiction: list[tuple[str, str, bool]], clauses: list[str]):
        self.f = filler
        self.r = filler.rng
        self.lexicon = lexicon
        self.fiction = fiction
        self.talk = [i for i, (_, _, talk) in enumerate(fiction) if talk]
        self.clauses = clauses

    def pick(self, key: str) -> str:
        """A random entry of one of the split's tables."""
        return self.f.pick(key)

    # ------------------------------------------------------------ names and keywords

    def gamble_brand(self) -> str:
        """A gambling brand: [latin] prefix [middle] suffix [suffix], e.g. 'm6金沙娱乐官网'."""
        r = self.r
        parts = [self.pick("latin_brands")] if r.random() < 0.25 else []
        parts.append(self.pick("gamble_prefix"))
        if r.random() < 0.4:
            parts.append(self.pick("gamble_middle"))
        parts.append(self.pick("gamble_suffix"))
        if r.random() < 0.25:
            parts.append(self.pick("gamble_suffix"))
        return "".join(dict.fromkeys(parts))

    def escort_brand(self) -> str:
        """A 'sugar-daddy'/escort compound: stem [stem] suffix [latin]."""
        r = self.r
        parts = [self.pick("escort_stems")]
        if r.random() < 0.3:
            parts.append(self.pick("escort_stems"))
        parts.append(self.pick("escort_suffix"))
        if r.random() < 0.15:
            parts.append(self.pick("latin_brands"))
        return "".join(dict.fromkeys(parts))

    def brand(self) -> str:
        """A gambling brand (70 %) or an escort compound (30 %)."""
        return self.gamble_brand() if self.r.random() < 0.7 else self.escort_brand()

    def lottery_phrase(self) -> str:
        """A lottery name with an SEO suffix, e.g. '大发快三走势图'."""
        return self.pick("lotteries") + self.pick("lottery_suffix")

    def porn_phrase(self) -> tuple[str, str]:
        """A porn-site title n-gram from morphemes, sometimes around a lexicon word."""
        r = self.r
        parts = r.sample(self.f.t["porn_morphemes"], r.randint(2, 4))
        source = GEN
        if r.random() < 0.4:
            word, source = r.choice(self.lexicon)
            parts.insert(r.randint(0, len(parts)), word)
        return "".join(parts), source

    def keyword(self) -> tuple[str, str]:
        """One keyword-list entry and its source tag."""
        x = self.r.random()
        if x < 0.35:
            return self.r.choice(self.lexicon)
        if x < 0.6:
            return self.porn_phrase()
        if x < 0.85:
            return self.brand(), GEN
        return self.lottery_phrase(), GEN

    def keyword_line(self) -> Para:
        """5–40 keywords joined by one separator style, sometimes cut mid-word at the end."""
        r = self.r
        words = [self.keyword() for _ in range(r.randint(5, 40))]
        text = self.pick("kw_seps").join(w for w, _ in words)
        if r.random() < 0.25:
            text = text[: len(text) - r.randint(1, max(1, len(words[-1][0]) - 1))]
        para = Para.of("spam", text.strip(), GEN, "keyword_list")
        para.extra_sources = [s for _, s in words]
        return para

    # ------------------------------------------------------------ headlines and promotion

    def seo_tag(self) -> str:
        """A content-farm suffix such as '天天快资讯' composed from two morpheme pools."""
        first, second = self.pick("seo_first"), self.pick("seo_second")
        while second.startswith(first) or first.endswith(second):
            second = self.pick("seo_second")
        return first + second

    def bait(self, clause: str) -> str:
        """A clause dressed as clickbait (sometimes left plain); an infix goes between words."""
        r = self.r
        words = jieba.lcut(clause)
        if r.random() < 0.15 and len(words) > 2:
            cut = r.randint(1, len(words) - 1)
            clause = "".join(words[:cut]) + self.pick("bait_infix") + "".join(words[cut:])
        prefix = self.pick("bait_prefix") if r.random() < 0.3 else ""
        return prefix + clause + self.pick("bait_suffix")

    def headline(self, seo: bool = True) -> str:
        """One content-farm headline: a clause of other news, often baited, with an SEO tag."""
        r = self.r
        clause = r.choice(self.clauses)
        if r.random() < 0.15:
            clause = f"{clause}({clause})" if r.random() < 0.5 else f"{clause}_{r.choice(self.clauses)}"
        text = self.bait(clause)
        if seo:
            fmt = self.pick("seo_formats")
            fmt = fmt if "{title}" in fmt else "{title}" + fmt
            text = fmt.format(seo=self.seo_tag(), title=text)
        return text

    def seo_title(self, title: str, source: str) -> Para:
        """A page title carrying a content-farm tag: spam/headline_list with the tag as span."""
        fmt = self.pick("seo_formats")
        fmt = fmt if "{title}" in fmt else "{title}" + fmt
        return self._wrapped(title, source, fmt.replace("{seo}", self.seo_tag()), "headline_list")

    def brand_title(self, title: str, source: str, brand: str) -> Para:
        """A page title with a brand glued to it: spam/injected_keywords with the brand part as span."""
        return self._wrapped(title, source, self.pick("spam_title").replace("{brand}", brand),
                             "injected_keywords")

    def _wrapped(self, title: str, source: str, fmt: str, reason: str) -> Para:
        """Title between an injected prefix and suffix; spaces at the seams are not in the span."""
        before, _, after = fmt.partition("{title}")
        lead, trail = before[len(before.rstrip()):], after[: len(after) - len(after.lstrip())]
        segments = [(before.rstrip(), True, GEN), (lead + title + trail, False, source),
                    (after.lstrip(), True, GEN)]
        return Para("spam", [s for s in segments if s[0]], reason)

    def lottery_numbers(self) -> str:
        """A draw result such as '03,07,12,25,31'."""
        r = self.r
        return r.choice((",", " ", "-")).join(f"{n:02d}" for n in sorted(r.sample(range(1, 50), r.randint(3, 7))))

    def promotion(self) -> Para:
        """A whole-line gambling/lottery/escort/porn promotion."""
        r = self.r
        porn, source = self.porn_phrase()
        text = self.f.fill(
            self.pick("promo"), brand=self.gamble_brand(), lottery=self.pick("lotteries"),
            escort=self.escort_brand(), porn=porn, nums=self.lottery_numbers(),
            n=str(r.choice((18, 28, 38, 58, 88, 100, 188, 288, 888))), x=f"{r.randint(5, 30) / 10:.1f}",
            period=f"{r.randint(2019, 2024)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}-{r.randint(1, 120):03d}",
            wx=self.f.digits(r.randint(7, 10)) if r.random() < 0.5 else "".join(
                r.choice("abcdefghjkmnpqrstuvwxyz") for _ in range(r.randint(4, 7))) + self.f.digits(3),
            qq=self.f.digits(r.randint(8, 10)))
        para = Para.of("spam", text, GEN, "promotion")
        para.extra_sources = [source]
        return para

    def site_title(self) -> Para:
        """The title line of a gambling/lottery site."""
        text = self.f.fill(self.pick("site_title"), brand=self.gamble_brand(), brand2=self.gamble_brand(),
                           lottery=self.lottery_phrase(), slogan=self.pick("slogans"))
        return Para.of("spam", text, GEN, "promotion")

    # ------------------------------------------------------------ damaging genuine paragraphs

    def inject_keywords(self, para: Para, brands: list[str], count: int) -> None:
        """Insert ``count`` keywords into genuine segments: mid-word, at a clause boundary, wrapped
        in commas, or as a 'brand：' lead; marks the paragraph spam/injected_keywords."""
        r = self.r
        for _ in range(count):
            x = r.random()
            word, source = (r.choice(brands), GEN) if x < 0.65 else (self.lottery_phrase(), GEN) if x < 0.75 \
                else r.choice(self.lexicon)
            mode = r.random()
            if mode < 0.1:
                first = next(i for i, (_, inj, _) in enumerate(para.segments) if not inj)
                self._insert_at(para, first, 0, word + r.choice(("：", ":", "，", "")), source)
                continue
            index, pos = self._position(para, boundary=mode < 0.35)
            if mode > 0.8:
                word = "，" + word + "，"
            self._insert_at(para, index, pos, word, source)
        self._mark(para, "injected_keywords")

    def splice_fiction(self, para: Para) -> None:
        """Splice 1–3 consecutive fiction sentences (mostly dialogue-ish) in: at a sentence
        boundary, or mid-word (30 %) as a fragment cut at both ends; marks it spam/spliced_text."""
        r = self.r
        start = r.choice(self.talk) if r.random() < 0.8 else r.randrange(len(self.fiction))
        chosen = [x for x in self.fiction[start:start + r.randint(1, 3)] if x[1] == self.fiction[start][1]]
        text = "".join(s for s, _, _ in chosen)
        mid = r.random() < 0.3
        if mid:
            text = text[r.randint(0, 3) if r.random() < 0.5 else 0:]
            text = text[: len(text) - (r.randint(1, 5) if r.random() < 0.5 else 0)] or chosen[0][0]
        index, pos = self._position(para, boundary=not mid)
        self._insert_at(para, index, pos, text, chosen[0][1])
        self._mark(para, "spliced_text")

    def _position(self, para: Para, boundary: bool) -> tuple[int, int]:
        """A genuine segment and an offset inside it: after a sentence/clause end when ``boundary``,
        else strictly inside, away from punctuation (mid-word, as real injections are)."""
        r = self.r
        genuine = ([i for i, (t, inj, _) in enumerate(para.segments) if not inj and len(t) >= 2]
                   or [i for i, (t, inj, _) in enumerate(para.segments) if not inj])
        index = r.choices(genuine, weights=[len(para.segments[i][0]) for i in genuine])[0]
        text = para.segments[index][0]
        if boundary:
            ends = [m.end() for m in re.finditer(r"[。！？；，]", text)]
            if ends:
                return index, r.choice(ends)
        inside = [p for p in range(1, len(text)) if text[p - 1] not in PUNCT and text[p] not in PUNCT]
        return index, r.choice(inside) if inside else len(text)

    @staticmethod
    def _insert_at(para: Para, index: int, pos: int, word: str, source: str) -> None:
        text, injected, src = para.segments[index]
        if injected:
            raise ValueError("insertions go into genuine segments only")
        pieces = [(text[:pos], False, src), (word, True, source), (text[pos:], False, src)]
        para.segments[index:index + 1] = [p for p in pieces if p[0]]

    @staticmethod
    def _mark(para: Para, reason: str) -> None:
        """Label a damaged paragraph spam; spliced fiction outranks injected keywords as reason."""
        para.label = "spam"
        para.whole = False
        if para.reason != "spliced_text":
            para.reason = reason
