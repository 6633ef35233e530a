"""Raw material for the generator, split into train-only and held-out-only pools.

Genuine stories (news, encyclopedia), fiction (chapters and dialogue-ish sentences) and spam
lexicons are read here; nothing random happens except story lengths, drawn from the rng passed in.
"""

from __future__ import annotations

import csv
import json
import random
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import opencc

SENTENCE_END = re.compile(r"(?:[。！？!?]|…+|．(?![０-９0-9]))+[”」』\"’）)]*")
CLAUSE_SPLIT = re.compile(r"[，,。！？!?；;：:、（）()《》“”\"「」]")
YAHOO_NOTICE = "仅提供信息存储空间服务"
CHAPTER = re.compile(r"^第[0-9〇零一二三四五六七八九十百千]+[章回节卷]")
EDITOR_NOTE = re.compile(r"^[【\[（(]|按语|编者|注释|题解|赏析|前言|简介|出版|本书")
SENTENCE_END_CHARS = "。！？!?…．”」』：；"


@dataclass
class Story:
    """A run of genuine paragraphs from one source, with a real title when the source has one."""

    title: str | None
    paragraphs: list[tuple[str, str]]  # (text, source tag)
    traditional: bool


@dataclass
class Chapter:
    """A fiction chapter: its header line and clean paragraphs with source tags."""

    title: str
    paragraphs: list[tuple[str, str]]


def sentences(text: str) -> list[str]:
    """Split text into sentences, keeping terminators and closing quotes with the sentence
    (a full-width "．" ends a sentence, as in 红楼梦, unless a digit follows)."""
    out, start = [], 0
    for m in SENTENCE_END.finditer(text):
        out.append(text[start:m.end()])
        start = m.end()
    out.append(text[start:])
    return [x.strip() for x in out if x.strip()]


def clauses(text: str, low: int = 6, high: int = 26) -> list[str]:
    """The leading clause of every sentence, when it is headline-sized (for titles and headlines)."""
    leads = (CLAUSE_SPLIT.split(s)[0].strip() for s in sentences(text))
    return [c for c in leads if low <= len(c) <= high]


def _chunks(items: list, rng: random.Random, low: int, high: int) -> list[list]:
    """Consecutive chunks of ``items`` with random sizes in [low, high]."""
    out, i = [], 0
    while i < len(items):
        n = rng.randint(low, high)
        out.append(items[i:i + n])
        i += n
    return out


def _split_long(text: str, rng: random.Random, limit: int = 220) -> list[str]:
    """A long encyclopedia paragraph as groups of 2–4 sentences; a short one unchanged."""
    if len(text) <= limit:
        return [text]
    groups = _chunks(sentences(text), rng, 2, 4)
    return ["".join(g) for g in groups if "".join(g).strip()]


def _stories_from_paragraphs(paras: list[tuple[str, str]], rng: random.Random,
                             traditional: bool) -> list[Story]:
    """Consecutive runs of 3–15 paragraphs (short runs preferred) as untitled stories."""
    out, i = [], 0
    while i + 3 <= len(paras):
        n = min(15, 3 + int(rng.expovariate(1 / 4)))
        out.append(Story(None, paras[i:i + n], traditional))
        i += n
    return out


def _read_lines(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as f:
        return f.read().split("\n")


def msr_stories(data: Path, rng: random.Random) -> list[Story]:
    """SIGHAN MSR test lines: consecutive news sentences, 1–3 lines per paragraph."""
    lines = [(n, x.strip()) for n, x in enumerate(_read_lines(data / "news/sighan2005/msr_test.utf8"), 1)
             if x.strip()]
    paras = [("".join(t for _, t in g), f"news/sighan2005/msr_test.utf8:L{g[0][0]}")
             for g in _chunks(lines, rng, 1, 3)]
    return _stories_from_paragraphs(paras, rng, False)


def pd1998_stories(data: Path, rng: random.Random) -> list[Story]:
    """People's Daily 1998 sentences, 2–6 consecutive sentences per paragraph."""
    path = data / "news/peoplesdaily1998_ner/pd1998_sentences.txt"
    lines = [(n, x.strip()) for n, x in enumerate(_read_lines(path), 1) if x.strip()]
    paras = [("".join(t for _, t in g), f"news/peoplesdaily1998_ner/pd1998_sentences.txt:L{g[0][0]}")
             for g in _chunks(lines, rng, 2, 6)]
    return _stories_from_paragraphs(paras, rng, False)


def _wiki_records(path: Path) -> list[dict]:
    """JSONL records with their text fields joined onto one line (some contain hard line breaks)."""
    with open(path, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    for record in records:
        for key in ("title", "text"):
            if record.get(key):
                record[key] = re.sub(r"\s*[\r\n]+\s*", "", record[key]).strip()
    return records


def wiki_stories(records: list[dict], rel: str, rng: random.Random, traditional: bool) -> list[Story]:
    """Encyclopedia articles: consecutive paragraphs of one title, long ones split, 3–15 kept."""
    out: list[Story] = []
    for record in records:
        pieces = [(p, f"{rel}#{record['id']}") for p in _split_long(record["text"].strip(), rng)]
        if out and out[-1].title == record["title"] and len(out[-1].paragraphs) < 15:
            out[-1].paragraphs.extend(pieces)
        else:
            out.append(Story(record["title"], pieces, traditional))
    for story in out:
        del story.paragraphs[15:]
    return [s for s in out if len(s.paragraphs) >= 3]


def without_mojibake(text: str) -> str:
    """Text with its GB18030 mojibake removed. A bad byte decodes as "?" and the decoder stays out
    of step until the next "?", so every second "?"-delimited piece is garbage; the sentence
    fragments touching a removed piece are dropped too, and the cut becomes a paragraph break."""
    pieces = text.split("?")
    kept = []
    for i in range(0, len(pieces), 2):
        piece = pieces[i]
        if i > 0:
            head = re.search(r"\ue40c|" + SENTENCE_END.pattern, piece)
            piece = piece[head.end():] if head else ""
        if i + 1 < len(pieces):
            tails = list(re.finditer(r"\ue40c|" + SENTENCE_END.pattern, piece))
            piece = piece[: tails[-1].end()] if tails else ""
        kept.append(piece)
    return "\ue40c".join(kept)


def sogou_stories(data: Path, rng: random.Random) -> list[Story]:
    """SogouCA news documents: mojibake removed, blocks split on the PUA separator and on
    full-width spaces after a sentence end, long blocks regrouped into 1–3 sentences; portal
    notices, U+FFFD lines and documents with fewer than 3 paragraphs left out."""
    rel = "news/sogou_ca_mini/sogou_ca_mini.jsonl"
    out = []
    for n, record in enumerate(_wiki_records(data / rel), 1):
        text = without_mojibake(record.get("text") or "")
        if not text.strip("\ue40c") or YAHOO_NOTICE in text:
            continue
        paras = []
        for block in re.split(r"\ue40c|(?<=[。！？”])[\u3000 ]+", text):
            kept = [x for x in sentences(block.strip("\u3000 \t")) if "\ufffd" not in x]
            groups = _chunks(kept, rng, 1, 3) if sum(map(len, kept)) > 120 else [kept]
            paras += [("".join(g), f"{rel}:L{n}") for g in groups if len("".join(g)) >= 8]
        if len(paras) >= 3:
            title = record["title"].replace("\u3000", " ").strip()
            out.append(Story(title if "?" not in title and "\ufffd" not in title else None, paras[:15], False))
    return out


def genuine_stories(shared: Path, split: str, rng: random.Random) -> list[Story]:
    """All genuine stories of one split (``train`` or ``held``)."""
    data = shared / "data"
    drcd = _wiki_records(data / "wiki/drcd_zh_tw/drcd_paragraphs.jsonl")
    drcd_rel = "wiki/drcd_zh_tw/drcd_paragraphs.jsonl"
    if split == "train":
        cmrc = _wiki_records(data / "wiki/cmrc2018_zh_cn/cmrc2018_paragraphs.jsonl")
        return (msr_stories(data, rng) + pd1998_stories(data, rng)
                + wiki_stories(cmrc, "wiki/cmrc2018_zh_cn/cmrc2018_paragraphs.jsonl", rng, False)
                + wiki_stories(drcd[:1500], drcd_rel, rng, True))
    # Held-out DRCD paragraphs whose article also has paragraphs in the first 1,500 are dropped:
    # the same article on both sides would make the held-out set less honest.
    train_titles = {r["title"] for r in drcd[:1500]}
    rest = [r for r in drcd[1500:] if r["title"] not in train_titles]
    return sogou_stories(data, rng) + wiki_stories(rest, drcd_rel, rng, True)


# ---------------------------------------------------------------- fiction

FICTION = {"train": ("鲁迅全集.txt", "萧红经典全集.txt", "郁达夫大全集.txt", "西游记.txt"),
           "held": ("红楼梦.txt", "朱自清大全集.txt")}
DIALOGUE_HINT = re.compile(r"[“”「」\"]|[他她你我]|[呢吧吗了罢][。！？?!”]")


def is_watermark(line: str) -> bool:
    """Pirate-site watermarks and links (www./.net/txt/小说天堂 in any disguise)."""
    folded = unicodedata.normalize("NFKC", line).lower()
    cjk = "".join(ch for ch in folded if "\u4e00" <= ch <= "\u9fff")
    return bool(re.search(r"www|http|\.net|\.com|txt|xiao|shuo", folded)) or "小说" in cjk or "说天堂" in cjk


def _joined_lines(lines: list[str]) -> list[tuple[int, str]]:
    """Re-join hard-wrapped lines: a line not ending a sentence continues on the next one."""
    out: list[tuple[int, str]] = []
    open_line = False
    for n, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            open_line = False
            continue
        if open_line and not CHAPTER.match(line) and not is_watermark(line):
            out[-1] = (out[-1][0], out[-1][1] + line)
        else:
            out.append((n, line))
        open_line = line[-1] not in SENTENCE_END_CHARS and len(line) > 15
    return out


def fiction_chapters(shared: Path, split: str) -> list[Chapter]:
    """Clean chapters of a split's books: watermarks, editor notes and front matter dropped."""
    chapters = []
    for book in FICTION[split]:
        lines = _read_lines(shared / "data/fiction_pd" / book)
        numbered = (_joined_lines(lines) if book == "鲁迅全集.txt"
                    else [(n, x.strip()) for n, x in enumerate(lines, 1) if x.strip()])
        current: Chapter | None = None
        for n, line in numbered:
            if CHAPTER.match(line):
                current = Chapter(line.split()[0] if len(line) > 30 else line, [])
                chapters.append(current)
            elif current and not is_watermark(line) and not EDITOR_NOTE.search(line[:12]):
                current.paragraphs.append((line, f"fiction_pd/{book}:L{n}"))
    return [c for c in chapters if len(c.paragraphs) >= 8]


def fiction_sentences(chapters: list[Chapter]) -> list[tuple[str, str, bool]]:
    """Sentences of 6–60 characters from fiction paragraphs, in reading order, as
    (sentence, source tag, dialogue-ish); neighbours with the same tag share a paragraph."""
    out = []
    for chapter in chapters:
        for text, source in chapter.paragraphs:
            out += [(s, source, bool(DIALOGUE_HINT.search(s))) for s in sentences(text)
                    if 6 <= len(s) <= 60 and not is_watermark(s)]
    return out


# ---------------------------------------------------------------- lexicons

LEX = "lexicons"
GPT4O_SPAM = ("彩", "快三", "赛车", "毛片", "无码", "av", "一区", "久久", "博彩", "娱乐", "开户",
              "代理", "棋牌", "申博", "太阳城", "成人", "三级", "伦理", "偷拍", "特黄", "香蕉", "天堂",
              "bet", "一肖", "开奖", "精品", "做爰", "波多野", "人人")
# Swearing is not spam: entries matching this are left out of both splits.
PROFANITY = re.compile(
    r"你|妳|[他她它]马|妈|娘|全家|祖宗|狗|瘪三|屎|笨|白[痴癡]|混蛋|人渣|无耻|sb|吗b|煞[逼笔]|沙比|刹笔|卧[槽艹]|艹|草你"
    r"|cao|靠[北母爸背腰]|驶你|塞你|赛妳|懆|赣|干死|麻痹|瓜[娃批婆]|龟儿|鬼公|粉腸|屎忽|躝|笨實|硬膠|[咸冚]家"
    r"|马勒|媚外|册那|十?三点|13点|刚度|口肯|[姣肥淫]西|私服|老[二子母味]|下三烂|王八|仆街|傻|贱|滚|奶奶"
    r"|白烂|花柳|姘头", re.I)
# Words of ordinary prose that the lexicons list but that are no spam signal on their own.
GENERIC = ("和弦", "阉割", "呻吟", "浑圆", "猛男", "火辣", "白嫩", "粉嫩", "兽性", "风骚", "放荡", "扒光",
           "体位", "裤袜", "后庭", "性无能", "阳萎", "摇头丸", "精神药品", "morphine", "narcotic")
HELD_AD_STOP = ("招聘", "兼职", "兼值", "全职", "网络", "淘宝", "网购", "代购", "微店", "客服", "本店",
                "到货", "有意者", "证监会", "周小川", "刘明康", "尚福林", "孔丹", "救市", "崩盘", "资金",
                "股市", "复兴党", "阿波罗", "四海帮", "自杀", "切腹", "免费使用", "下载速度", "视频来源",
                "答案", "考试", "改卷", "替考", "耳机", "qq", "QQ", "qb", "铃声", "域名", "电脑传讯",
                "买小车", "婴儿汤", "售肾", "蚁力神", "玛雅网", "销售热线", "订购热线", "帮忙点", "和弦")
ORDINARY = ("news/sighan2005/msr_test.utf8", "news/peoplesdaily1998_ner/pd1998_sentences.txt",
            "news/sogou_ca_mini/sogou_ca_mini.jsonl", "wiki/cmrc2018_zh_cn/cmrc2018_paragraphs.jsonl",
            "wiki/drcd_zh_tw/drcd_paragraphs.jsonl")


def _lines(path: Path) -> list[str]:
    return [x.strip() for x in _read_lines(path) if x.strip()]


def _keep(word: str, ordinary: str) -> bool:
    """Lexicon entries worth using as spam keywords: ≥ 2 characters, not bare ASCII of ≤ 3, not
    swearing or GENERIC, and never seen in the ordinary news/encyclopedia text (交配, 激情, 按摩, 彩票 … are
    ordinary words that genuine text uses)."""
    return (len(word) >= 2 and not (word.isascii() and len(word) <= 3) and not re.search(r"[.\d]$", word)
            and not PROFANITY.search(word) and word not in GENERIC and word not in ordinary)


def ordinary_text(shared: Path) -> str:
    """All genuine news and encyclopedia files of shared/data as one string."""
    return "\n".join((shared / "data" / rel).read_text(encoding="utf-8") for rel in ORDINARY)


def gpt4o_spam_tokens(path: Path) -> list[str]:
    """Long (≥ 4 chars) tokens of the GPT-4o vocabulary list containing a gambling/lottery/porn
    morpheme (GPT4O_SPAM); the rest (中国特色社会主义, 生命周期函数 …) are ordinary words."""
    with open(path, encoding="utf-8") as f:
        rows = list(csv.reader(f))[1:]
    out = []
    for row in rows:
        token = row[1].strip().lstrip("_").strip()
        if len(token) >= 4 and any(m in token.lower() for m in GPT4O_SPAM):
            out.append(token)
    return out


def spam_lexicon(shared: Path, split: str) -> list[tuple[str, str]]:
    """(keyword, source) of a split, filtered by :func:`_keep`. Train: CASIA 色情/赌博, konsheng
    色情类型, C4 bad words, GPT-4o spam tokens; entries with 包养/包養 are left out so that seed 004
    stays unseen. Held-out: konsheng 色情词库 and 广告类型 (minus the ordinary ad words of
    HELD_AD_STOP), minus every training entry (also in its simplified form)."""
    lex = shared / "data" / LEX
    ordinary = ordinary_text(shared)
    casia = f"{LEX}/casia_chinesewebtext_dict.txt"
    train: list[tuple[str, str]] = []
    for line in _lines(lex / "casia_chinesewebtext_dict.txt"):
        category, _, word = line.partition("\t")
        if category in ("色情", "赌博"):
            train.append((word.strip(), casia))
    for rel in ("konsheng_sensitive_lexicon/色情类型.txt", "shjwudp_c4_badwords_zh.txt"):
        train += [(w, f"{LEX}/{rel}") for w in _lines(lex / rel)]
    train += [(w, f"{LEX}/gpt4o_strange_tokens/o200k_base_filtered.csv")
              for w in gpt4o_spam_tokens(lex / "gpt4o_strange_tokens/o200k_base_filtered.csv")]
    train = _dedupe([(w, s) for w, s in train if "包养" not in w and "包養" not in w])
    if split == "train":
        return [(w, s) for w, s in train if _keep(w, ordinary)]
    to_simplified = opencc.OpenCC("t2s").convert
    seen = {w for w, _ in train}
    held = [(w, f"{LEX}/konsheng_sensitive_lexicon/色情词库.txt")
            for w in _lines(lex / "konsheng_sensitive_lexicon/色情词库.txt")]
    held += [(w, f"{LEX}/konsheng_sensitive_lexicon/广告类型.txt")
             for w in _lines(lex / "konsheng_sensitive_lexicon/广告类型.txt")
             if not any(s in w for s in HELD_AD_STOP)]
    return _dedupe([(w, s) for w, s in held
                    if w not in seen and to_simplified(w) not in seen and _keep(w, ordinary)])


def _dedupe(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """First occurrence of every word, order kept."""
    out, seen = [], set()
    for word, source in pairs:
        if word not in seen:
            seen.add(word)
            out.append((word, source))
    return out
