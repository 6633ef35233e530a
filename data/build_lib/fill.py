"""Filling templates: random names, dates, sites, numbers, and whole boilerplate lines."""

from __future__ import annotations

import random

from .tables import SHARED


class Slots(dict):
    """A format mapping that invents a value for every placeholder the caller did not give."""

    def __init__(self, filler: Filler, given: dict):
        super().__init__(given)
        self.filler = filler

    def __missing__(self, key: str) -> str:
        value = self.filler.slot(key)
        self[key] = value
        return value


class Filler:
    """Random values for template slots, drawn from one split's tables with one rng."""

    def __init__(self, rng: random.Random, table: dict):
        self.rng = rng
        self.t = table

    def pick(self, key: str):
        """A random entry of a table."""
        return self.rng.choice(self.t[key])

    def fill(self, template: str, **given) -> str:
        """The template with every placeholder filled."""
        return template.format_map(Slots(self, given))

    def digits(self, n: int) -> str:
        """A random n-digit number without a leading zero."""
        return str(self.rng.randint(1, 9)) + "".join(str(self.rng.randint(0, 9)) for _ in range(n - 1))

    def name(self) -> str:
        """A Chinese personal name of two or three characters."""
        r = self.rng
        return r.choice(SHARED["surnames"]) + "".join(r.choice(SHARED["given"]) for _ in range(r.randint(1, 2)))

    def date(self) -> str:
        """A date between 2008 and 2024 in one of the split's formats."""
        r = self.rng
        return self.pick("date_formats").format(y=r.randint(2008, 2024), m=r.randint(1, 12), d=r.randint(1, 28))

    def time(self) -> str:
        """A clock time in one of the split's formats."""
        r = self.rng
        return self.pick("time_formats").format(H=r.randint(0, 23), M=r.randint(0, 59), S=r.randint(0, 59))

    def site(self) -> str:
        """A news-site name composed from the split's place and kind tables."""
        return self.pick("site_places") + self.pick("site_kinds")

    def domain(self) -> str:
        """A plausible domain name."""
        r = self.rng
        stem = "".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(3, 8)))
        return stem + r.choice((".com", ".cn", ".com.cn", ".net", ".org.cn"))

    def slot(self, key: str) -> str:
        """A value for one placeholder name (digits in the name give variants: name2, site2 …)."""
        r = self.rng
        base = key.rstrip("0123456789") if not key.startswith("num") else key
        makers = {
            "name": self.name, "date": self.date, "time": self.time, "site": self.site,
            "src": self.site, "domain": self.domain,
            "sec": lambda: self.pick("sections"),
            "latin": lambda: r.choice(SHARED["latin_names"]),
            "n": lambda: str(r.choice((r.randint(10, 999), r.randint(1000, 99999)))),
            "k": lambda: str(r.randint(2, 12)),
            "year": lambda: str(r.randint(2010, 2024)),
            "prov": lambda: r.choice(SHARED["provinces"]),
            "num8": lambda: self.digits(8), "num10": lambda: self.digits(10),
            "num14": lambda: self.digits(14),
            "phone": lambda: r.choice(("0" + self.digits(2) + "-" + self.digits(8), "400-" + self.digits(3) + "-"
                                       + self.digits(4), "1" + self.digits(10))),
            "city": lambda: r.choice(SHARED["cities"]),
            "road": lambda: self.pick("roads"),
            "zip": lambda: self.digits(6),
        }
        if base not in makers:
            raise KeyError(f"no value maker for placeholder {{{key}}}")
        return makers[base]()

    # ------------------------------------------------------------ whole boilerplate lines

    def chrome(self, kind: str, **given) -> str:
        """One boilerplate line of a table (breadcrumb, byline, editor, footer …)."""
        return self.fill(self.pick(kind), **given)

    def nav(self, words: str = "nav_words") -> str:
        """A navigation menu: 4–10 short words joined by one separator."""
        items = self.rng.sample(self.t[words], self.rng.randint(4, min(10, len(self.t[words]))))
        return self.pick("nav_seps").join(items)
