"""Faker-built pools of names, places and company names per locale (sampled later with numpy)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from faker import Faker

from .config import LOCALES
from .rng import RngFactory
from .text import ascii_fold, email_local, japanese_safe


@dataclass(frozen=True)
class NamePool:
    """Parallel arrays: native spelling, ASCII romanization/fold, kana (Japanese only, else ''), and the
    lower-case letters used in e-mail addresses."""

    native: np.ndarray
    latin: np.ndarray
    kana: np.ndarray
    local: np.ndarray


@dataclass(frozen=True)
class LocalePool:
    locale: str
    first_male: NamePool
    first_female: NamePool
    last: NamePool
    streets: np.ndarray
    cities: np.ndarray
    regions: np.ndarray  # prefecture (JP), state (US), else ''
    postcodes: np.ndarray
    company_names: np.ndarray


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _draw(fake: Faker, method: str, n: int) -> list[str]:
    fn = getattr(fake, method)
    return _unique([fn() for _ in range(n)])


def _latin_pool(values: list[str], german: bool) -> NamePool:
    native = np.array(values, dtype=object)
    latin = np.array([ascii_fold(v, german) for v in values], dtype=object)
    local = np.array([email_local(v, german) for v in values], dtype=object)
    return NamePool(native, latin, np.full(len(values), "", dtype=object), local)


def _ja_pool(pairs: tuple[tuple[str, str, str], ...]) -> NamePool:
    ok = [p for p in pairs if japanese_safe(p[0]) and japanese_safe(p[1])]
    return NamePool(
        np.array([p[0] for p in ok], dtype=object),
        np.array([p[2] for p in ok], dtype=object),
        np.array([p[1] for p in ok], dtype=object),
        np.array([email_local(p[2]) for p in ok], dtype=object),
    )


def _japanese_pool(fake: Faker, n: int, rng: np.random.Generator) -> LocalePool:
    provider = next(p for p in fake.providers if type(p).__module__.endswith("person.ja_JP"))
    last_pairs = (
        tuple(provider.last_name_pairs.keys())
        if isinstance(provider.last_name_pairs, dict)
        else tuple(provider.last_name_pairs)
    )
    cities = [c for c in _draw(fake, "city", n) if japanese_safe(c)]
    towns = [t for t in _draw(fake, "town", n) if japanese_safe(t)]
    prefectures = [p for p in _draw(fake, "prefecture", 200) if japanese_safe(p)]
    buildings = [b for b in _draw(fake, "building_name", 100) if japanese_safe(b)]
    streets = []
    for i in range(n):
        town = towns[i % len(towns)]
        chome, ban, gou = rng.integers(1, 9), rng.integers(1, 30), rng.integers(1, 25)
        street = f"{town}{chome}丁目{ban}番{gou}号" if i % 2 == 0 else f"{town}{chome}-{ban}-{gou}"
        if i % 3 == 0:
            street += f" {buildings[i % len(buildings)]}{rng.integers(101, 1205)}"
        streets.append(street)
    return LocalePool(
        locale="ja_JP",
        first_male=_ja_pool(tuple(provider.first_name_male_pairs)),
        first_female=_ja_pool(tuple(provider.first_name_female_pairs)),
        last=_ja_pool(last_pairs),
        streets=np.array(streets, dtype=object),
        cities=np.array(cities, dtype=object),
        regions=np.array(prefectures, dtype=object),
        postcodes=np.array(_draw(fake, "zipcode", n), dtype=object),
        company_names=np.array([], dtype=object),
    )


def _western_pool(fake: Faker, locale: str, n: int) -> LocalePool:
    german = locale == "de_DE"
    regions = _draw(fake, "state_abbr", 200) if locale == "en_US" else [""]
    return LocalePool(
        locale=locale,
        first_male=_latin_pool(_draw(fake, "first_name_male", n), german),
        first_female=_latin_pool(_draw(fake, "first_name_female", n), german),
        last=_latin_pool(_draw(fake, "last_name", n), german),
        streets=np.array(_draw(fake, "street_address", n), dtype=object),
        cities=np.array(_draw(fake, "city", n), dtype=object),
        regions=np.array(regions, dtype=object),
        postcodes=np.array(_draw(fake, "postcode", n), dtype=object),
        company_names=np.array(_draw(fake, "last_name", n), dtype=object),
    )


def build_pools(rngs: RngFactory, scale: int) -> dict[str, LocalePool]:
    """Pools of a few hundred to a few thousand entries per locale, deterministic for the seed."""
    n = int(np.clip(scale // 4, 200, 2500))
    pools: dict[str, LocalePool] = {}
    for locale in LOCALES:
        fake = Faker(locale)
        fake.seed_instance(rngs.int_seed(f"faker:{locale}"))
        pools[locale] = (
            _japanese_pool(fake, n, rngs.get("pools:ja_streets"))
            if locale == "ja_JP"
            else _western_pool(fake, locale, n)
        )
    return pools
