"""Phone numbers valid for each country, and the many ways people and systems write them."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pandas as pd

from .config import COUNTRY_CALLING_CODE

# US area codes (all assigned) with their time zone
US_AREA_CODES: tuple[tuple[str, str], ...] = (
    ("212", "America/New_York"),
    ("646", "America/New_York"),
    ("718", "America/New_York"),
    ("917", "America/New_York"),
    ("617", "America/New_York"),
    ("305", "America/New_York"),
    ("404", "America/New_York"),
    ("202", "America/New_York"),
    ("215", "America/New_York"),
    ("704", "America/New_York"),
    ("919", "America/New_York"),
    ("312", "America/Chicago"),
    ("773", "America/Chicago"),
    ("214", "America/Chicago"),
    ("469", "America/Chicago"),
    ("512", "America/Chicago"),
    ("713", "America/Chicago"),
    ("615", "America/Chicago"),
    ("612", "America/Chicago"),
    ("303", "America/Denver"),
    ("801", "America/Denver"),
    ("602", "America/Phoenix"),
    ("415", "America/Los_Angeles"),
    ("213", "America/Los_Angeles"),
    ("310", "America/Los_Angeles"),
    ("408", "America/Los_Angeles"),
    ("206", "America/Los_Angeles"),
    ("503", "America/Los_Angeles"),
    ("702", "America/Los_Angeles"),
    ("858", "America/Los_Angeles"),
)
_DE_PREFIXES = (
    "151",
    "152",
    "157",
    "159",
    "160",
    "170",
    "171",
    "172",
    "173",
    "174",
    "175",
    "176",
    "177",
    "178",
    "179",
)
# Number of format styles per country; style 0 is the commonest national form.
STYLE_COUNT = MappingProxyType({"JP": 4, "US": 5, "GB": 4, "DE": 4, "FR": 4})


def _digits(rng: np.random.Generator, n: int, k: int, first_min: int = 0) -> np.ndarray:
    d = rng.integers(0, 10, size=(n, k))
    if k and first_min:
        d[:, 0] = rng.integers(first_min, 10, size=n)
    return (d + ord("0")).astype(np.uint8).view(f"S{k}").ravel().astype(f"U{k}").astype(object)


def national_numbers(rng: np.random.Generator, countries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """National significant numbers (no trunk 0) of mobile phones, and the US time zone by area code."""
    n = len(countries)
    nsn = np.empty(n, dtype=object)
    us_tz = np.full(n, "", dtype=object)
    for country in ("JP", "US", "GB", "DE", "FR"):
        idx = np.flatnonzero(countries == country)
        m = len(idx)
        if m == 0:
            continue
        if country == "JP":
            prefix = rng.choice(np.array(["90", "80", "70"], dtype=object), size=m, p=[0.5, 0.35, 0.15])
            nsn[idx] = prefix + _digits(rng, m, 8, first_min=1)
        elif country == "US":
            area_idx = rng.integers(0, len(US_AREA_CODES), size=m)
            areas = np.array([a for a, _ in US_AREA_CODES], dtype=object)[area_idx]
            us_tz[idx] = np.array([t for _, t in US_AREA_CODES], dtype=object)[area_idx]
            exch = _digits(rng, m, 3, first_min=2)
            bad = np.isin(exch, ["555"]) | (pd.Series(exch).str[1:] == "11").to_numpy()
            exch = np.where(bad, "367", exch)
            nsn[idx] = areas + exch + _digits(rng, m, 4)
        elif country == "GB":
            second = rng.choice(np.array(["5", "7", "8", "9"], dtype=object), size=m)
            gb = pd.Series("7" + second + _digits(rng, m, 8), dtype=object)
            # 07700 (drama range) and 07911 are partly unassigned: move to neighbouring blocks
            nsn[idx] = gb.str.replace(r"^7(70|91)[01]", r"7\g<1>2", regex=True).to_numpy(dtype=object)
        elif country == "DE":
            prefix = rng.choice(np.array(_DE_PREFIXES, dtype=object), size=m)
            nsn[idx] = prefix + _digits(rng, m, 8)
        else:
            mobile6 = rng.random(m) < 0.7
            nsn[idx] = np.where(
                mobile6,
                "6" + rng.integers(0, 9, size=m).astype(str).astype(object) + _digits(rng, m, 7),
                "7" + _digits(rng, m, 8, first_min=3),
            )
            # 0639 is not a metropolitan mobile range
            nsn[idx] = (
                pd.Series(nsn[idx], dtype=object)
                .str.replace(r"^639", "638", regex=True)
                .to_numpy(dtype=object)
            )
    return nsn, us_tz


def e164(countries: np.ndarray, nsn: np.ndarray) -> np.ndarray:
    cc = pd.Series(countries, dtype=object).map(dict(COUNTRY_CALLING_CODE))
    return ("+" + cc + pd.Series(nsn, dtype=object)).to_numpy(dtype=object)


def format_phones(countries: np.ndarray, nsn: np.ndarray, styles: np.ndarray) -> np.ndarray:
    """Render numbers in one of the per-country styles (see STYLE_COUNT), e.g. JP:
    0 '090-1234-5678', 1 '+81 90-1234-5678', 2 '09012345678', 3 '+819012345678'."""
    s = pd.Series(nsn, dtype=object)
    out = np.empty(len(s), dtype=object)
    countries = np.asarray(countries, dtype=object)
    styles = np.asarray(styles)
    for country in ("JP", "US", "GB", "DE", "FR"):
        idx = np.flatnonzero(countries == country)
        if len(idx) == 0:
            continue
        x = s.iloc[idx].reset_index(drop=True)
        cc = COUNTRY_CALLING_CODE[country]
        if country == "JP":
            a, b, c = x.str[0:2], x.str[2:6], x.str[6:10]
            variants = ["0" + a + "-" + b + "-" + c, f"+{cc} " + a + "-" + b + "-" + c, "0" + x, f"+{cc}" + x]
        elif country == "US":
            a, b, c = x.str[0:3], x.str[3:6], x.str[6:10]
            variants = [
                "(" + a + ") " + b + "-" + c,
                f"+{cc} " + a + " " + b + " " + c,
                a + "-" + b + "-" + c,
                f"+{cc}" + x,
                a + "." + b + "." + c,
            ]
        elif country == "GB":
            a, b = x.str[0:4], x.str[4:10]
            variants = ["0" + a + " " + b, f"+{cc} " + a + " " + b, f"+{cc}" + x, "0" + x]
        elif country == "DE":
            a, b = x.str[0:3], x.str[3:]
            variants = ["0" + a + " " + b, f"+{cc} " + a + " " + b, f"+{cc}" + x, "0" + a + "/" + b]
        else:
            p = [x.str[i : i + 2] for i in (1, 3, 5, 7)]
            spaced = p[0] + " " + p[1] + " " + p[2] + " " + p[3]
            variants = [
                "0" + x.str[0] + " " + spaced,
                f"+{cc} " + x.str[0] + " " + spaced,
                f"+{cc}" + x,
                "0" + x,
            ]
        st = np.minimum(styles[idx], len(variants) - 1)
        stacked = np.stack([v.to_numpy(dtype=object) for v in variants])
        out[idx] = stacked[st, np.arange(len(idx))]
    return out


def international_spaced(countries: np.ndarray, nsn: np.ndarray) -> np.ndarray:
    """Twilio-style 'formatted' number: national format for US, '+cc ...' for the others."""
    styles = np.where(np.asarray(countries, dtype=object) == "US", 0, 1)
    return format_phones(countries, nsn, styles)
