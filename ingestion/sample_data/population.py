"""The simulated population: companies and people with their true attributes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .catalog import (
    COMPANY_SUFFIXES,
    COMPANY_TLD,
    INDUSTRIES,
    JOB_TITLES,
    JP_COMPANY_FORMS,
    JP_COMPANY_WORDS,
    PERSONAL_DOMAINS,
)
from .config import (
    COUNTRY_BY_LOCALE,
    LANGUAGE_BY_LOCALE,
    LOCALES,
    TIMEZONE_BY_COUNTRY,
    ProcessParameters,
)
from .ids import IdCounter, sequential_ids
from .phones import e164, national_numbers
from .pools import LocalePool
from .text import email_local


def _pick(rng: np.random.Generator, values: np.ndarray, n: int) -> np.ndarray:
    return values[rng.integers(0, len(values), size=n)]


def _dedupe_suffix(values: pd.Series, sep: str = "") -> pd.Series:
    """Append 2, 3, ... to repeated values so that every value is unique (first keeps its spelling)."""
    values = values.reset_index(drop=True)
    while True:
        rank = values.groupby(values).cumcount()
        if not (rank > 0).any():
            return values
        values = values.where(rank == 0, values + sep + (rank + 1).astype(str))


def _jp_company_names(rng: np.random.Generator, pool: LocalePool, m: int) -> tuple[np.ndarray, np.ndarray]:
    k = max(4 * m, 64)
    li = rng.integers(0, len(pool.last.native), size=k)
    wi = rng.integers(0, len(JP_COMPANY_WORDS), size=k)
    fi = rng.choice(len(JP_COMPANY_FORMS), size=k, p=[0.55, 0.3, 0.1, 0.05])
    words = np.array([w for w, _ in JP_COMPANY_WORDS], dtype=object)
    words_ro = np.array([r for _, r in JP_COMPANY_WORDS], dtype=object)
    base = pool.last.native[li] + words[wi]
    forms = np.array(JP_COMPANY_FORMS, dtype=object)[fi]
    names = pd.Series([f.format(name=b) for f, b in zip(forms, base, strict=True)], dtype=object)
    domains = (
        pd.Series([email_local(r) for r in pool.last.latin[li]], dtype=object)
        + "-"
        + pd.Series(words_ro[wi], dtype=object)
    )
    keep = ~names.duplicated()
    names, domains = names[keep].iloc[:m], domains[keep].iloc[:m]
    if len(names) < m:  # tiny pools: repeat with branch-office suffixes
        extra = m - len(names)
        idx = np.arange(extra) % len(names)
        names = pd.concat([names, names.iloc[idx] + "・" + (idx + 2).astype(str)])
        domains = pd.concat([domains, domains.iloc[idx]])
    return names.to_numpy(dtype=object), (_dedupe_suffix(domains) + ".co.jp").to_numpy(dtype=object)


def _western_company_names(
    rng: np.random.Generator, pool: LocalePool, country: str, m: int
) -> tuple[np.ndarray, np.ndarray]:
    k = max(4 * m, 64)
    a = _pick(rng, pool.company_names, k)
    b = _pick(rng, pool.company_names, k)
    form = rng.choice(3, size=k, p=[0.6, 0.25, 0.15])
    suffixes = np.array(COMPANY_SUFFIXES[country], dtype=object)
    suffix = suffixes[rng.integers(0, len(suffixes), size=k)]
    joiner = " & " if country != "DE" else " & "
    base = np.where(form == 0, a, np.where(form == 1, a + "-" + b, a + joiner + b))
    names = pd.Series(base + suffix, dtype=object)
    german = country == "DE"
    slug = pd.Series([email_local(x, german) for x in np.where(form == 0, a, a + b)], dtype=object)
    keep = ~names.duplicated()
    names, slug = names[keep].iloc[:m], slug[keep].iloc[:m]
    if len(names) < m:
        extra = m - len(names)
        idx = np.arange(extra) % len(names)
        names = pd.concat([names, names.iloc[idx] + " " + (idx + 2).astype(str)])
        slug = pd.concat([slug, slug.iloc[idx]])
    domains = _dedupe_suffix(slug, "-") + COMPANY_TLD[country]
    return names.to_numpy(dtype=object), domains.to_numpy(dtype=object)


def build_companies(
    rng: np.random.Generator, pools: dict[str, LocalePool], scale: int, params: ProcessParameters
) -> pd.DataFrame:
    n = max(10, round(scale * params.company_share / params.people_per_company))
    shares = np.array([params.locale_shares[loc] for loc in LOCALES])
    locale_idx = np.sort(rng.choice(len(LOCALES), size=n, p=shares / shares.sum()))
    frames = []
    for li, locale in enumerate(LOCALES):
        m = int((locale_idx == li).sum())
        if m == 0:
            continue
        country = COUNTRY_BY_LOCALE[locale]
        pool = pools[locale]
        if locale == "ja_JP":
            names, domains = _jp_company_names(rng, pool, m)
        else:
            names, domains = _western_company_names(rng, pool, country, m)
        frames.append(
            pd.DataFrame(
                {
                    "locale": locale,
                    "country": country,
                    "company_name": names,
                    "domain": domains,
                    "city": _pick(rng, pool.cities, m),
                }
            )
        )
    companies = pd.concat(frames, ignore_index=True)
    # domains must be unique across countries too (same slug with another TLD is fine)
    companies["domain"] = _dedupe_suffix(companies["domain"], "-").to_numpy()
    n = len(companies)
    industry_idx = rng.integers(0, len(INDUSTRIES), size=n)
    companies["industry"] = np.array([e for e, _ in INDUSTRIES], dtype=object)[industry_idx]
    companies["industry_ja"] = np.array([j for _, j in INDUSTRIES], dtype=object)[industry_idx]
    employees = np.exp(rng.normal(np.log(120), 1.6, size=n))
    companies["employees"] = np.clip(
        np.round(employees, -1 if employees.mean() > 10 else 0), 5, 50000
    ).astype(int)
    jp = companies["country"].eq("JP").to_numpy()
    ids = np.empty(n, dtype=object)
    ids[jp] = sequential_ids("JPCO-", int(jp.sum()), 5)
    ids[~jp] = sequential_ids("CO-", int((~jp).sum()), 6)
    companies.insert(0, "company_id", ids)
    # bigger companies get more people (weight ~ employees^0.35)
    companies["weight"] = companies["employees"].to_numpy(dtype=float) ** 0.35
    return companies


def _personal_locals(rng: np.random.Generator, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    n = len(first)
    f = pd.Series(first, dtype=object)
    la = pd.Series(last, dtype=object)
    num2 = pd.Series(rng.integers(1, 100, size=n).astype(str), dtype=object)
    year = pd.Series(rng.integers(1960, 2004, size=n).astype(str), dtype=object)
    variants = [
        f + "." + la,
        f + la + num2,
        f.str[0] + "." + la,
        la + "." + f,
        f + "_" + la,
        f + year,
        la + num2,
        f + "." + la + year.str[2:],
    ]
    style = rng.choice(len(variants), size=n, p=[0.26, 0.16, 0.1, 0.08, 0.08, 0.12, 0.1, 0.1])
    stacked = np.stack([v.to_numpy(dtype=object) for v in variants])
    return stacked[style, np.arange(n)]


def _work_locals(rng: np.random.Generator, first: np.ndarray, last: np.ndarray, jp: np.ndarray) -> np.ndarray:
    n = len(first)
    f = pd.Series(first, dtype=object)
    la = pd.Series(last, dtype=object)
    western = [f + "." + la, f.str[0] + la, f, f + "_" + la]
    japanese = [f.str[0] + "-" + la, la, f + "." + la, la + "." + f]
    ws = rng.choice(4, size=n, p=[0.6, 0.2, 0.1, 0.1])
    js = rng.choice(4, size=n, p=[0.35, 0.2, 0.3, 0.15])
    w = np.stack([v.to_numpy(dtype=object) for v in western])[ws, np.arange(n)]
    j = np.stack([v.to_numpy(dtype=object) for v in japanese])[js, np.arange(n)]
    return np.where(jp, j, w)


def _match_key(local: pd.Series, domain: pd.Series) -> pd.Series:
    """What mail systems treat as the same mailbox: Gmail ignores dots in the local part."""
    return local.where(domain != "gmail.com", local.str.replace(".", "", regex=False)) + "@" + domain


def _unique_emails(locals_: np.ndarray, domains: np.ndarray, taken: set[str] | None = None) -> np.ndarray:
    """Addresses unique per mailbox (also across gmail dot variants): repeats get a number appended."""
    local_s = pd.Series(locals_, dtype=object)
    dom_s = pd.Series(domains, dtype=object)
    key = np.array(_match_key(local_s, dom_s), dtype=object)  # a copy: updated in place below
    in_taken = np.array(pd.Series(key).isin(taken)) if taken else np.zeros(len(key), dtype=bool)
    k = 2
    while True:
        dup = pd.Series(key).duplicated().to_numpy() | in_taken
        if not dup.any():
            return (local_s + "@" + dom_s).to_numpy(dtype=object)
        local_s = local_s.where(~dup, local_s + str(k))
        # only the renamed addresses' keys change: recomputing all of them (and looking all up in ``taken``,
        # a million mailboxes of earlier chunks) on every round made a chunk's e-mails cost ten times more
        key[dup] = _match_key(local_s[dup], dom_s[dup]).to_numpy(dtype=object)
        if taken:
            in_taken[dup] = [x in taken for x in key[dup]]
        k += 1


def build_people(
    rng: np.random.Generator,
    pools: dict[str, LocalePool],
    companies: pd.DataFrame,
    scale: int,
    params: ProcessParameters,
    ids: IdCounter | None = None,
    taken: set[str] | None = None,
) -> pd.DataFrame:
    """``scale`` people. ``ids`` and ``taken`` (mailbox keys, see mailbox_keys) carry what earlier chunks of
    the population used, so person ids and e-mail addresses stay unique across chunks."""
    n = scale
    first_id = (ids or IdCounter()).take("person", n)
    shares = np.array([params.locale_shares[loc] for loc in LOCALES])
    locale = np.array(LOCALES, dtype=object)[rng.choice(len(LOCALES), size=n, p=shares / shares.sum())]
    country = pd.Series(locale).map(dict(COUNTRY_BY_LOCALE)).to_numpy(dtype=object)
    gender = np.where(rng.random(n) < 0.5, "female", "male").astype(object)
    cols: dict[str, np.ndarray] = {
        k: np.full(n, "", dtype=object)
        for k in (
            "first_name",
            "last_name",
            "first_name_latin",
            "last_name_latin",
            "first_name_kana",
            "last_name_kana",
            "first_local",
            "last_local",
            "street",
            "city",
            "region",
            "postal_code",
            "personal_domain",
        )
    }
    company_idx = np.full(n, -1, dtype=np.int64)
    for loc in LOCALES:
        idx = np.flatnonzero(locale == loc)
        m = len(idx)
        if m == 0:
            continue
        pool = pools[loc]
        fem = gender[idx] == "female"
        for pool_f, sel in ((pool.first_female, fem), (pool.first_male, ~fem)):
            j = rng.integers(0, len(pool_f.native), size=int(sel.sum()))
            cols["first_name"][idx[sel]] = pool_f.native[j]
            cols["first_name_latin"][idx[sel]] = pool_f.latin[j]
            cols["first_name_kana"][idx[sel]] = pool_f.kana[j]
            cols["first_local"][idx[sel]] = pool_f.local[j]
        j = rng.integers(0, len(pool.last.native), size=m)
        cols["last_name"][idx] = pool.last.native[j]
        cols["last_name_latin"][idx] = pool.last.latin[j]
        cols["last_name_kana"][idx] = pool.last.kana[j]
        cols["last_local"][idx] = pool.last.local[j]
        cols["street"][idx] = _pick(rng, pool.streets, m)
        cols["city"][idx] = _pick(rng, pool.cities, m)
        cols["region"][idx] = _pick(rng, pool.regions, m)
        cols["postal_code"][idx] = _pick(rng, pool.postcodes, m)
        doms, weights = zip(*PERSONAL_DOMAINS[loc], strict=True)
        w = np.array(weights)
        cols["personal_domain"][idx] = np.array(doms, dtype=object)[
            rng.choice(len(doms), size=m, p=w / w.sum())
        ]
        # company membership within the same country, bigger companies get more people
        comp = companies.index[companies["locale"].eq(loc)].to_numpy()
        if len(comp):
            member = rng.random(m) < params.company_share
            cw = companies.loc[comp, "weight"].to_numpy()
            company_idx[idx[member]] = rng.choice(comp, size=int(member.sum()), p=cw / cw.sum())

    jp = country == "JP"
    first_l, last_l = cols["first_local"], cols["last_local"]
    personal_email = _unique_emails(
        _personal_locals(rng, first_l, last_l), cols["personal_domain"], taken
    )
    has_company = company_idx >= 0
    comp_domain = np.where(
        has_company, companies["domain"].to_numpy(dtype=object)[np.maximum(company_idx, 0)], ""
    )
    work_email = np.full(n, "", dtype=object)
    if has_company.any():
        work_email[has_company] = _unique_emails(
            _work_locals(rng, first_l[has_company], last_l[has_company], jp[has_company]),
            comp_domain[has_company],
            taken=set(
                _match_key(
                    pd.Series(personal_email).str.split("@").str[0],
                    pd.Series(cols["personal_domain"], dtype=object),
                )
            )
            | (taken or set()),
        )
    use_work = has_company & (rng.random(n) < params.work_email_share)
    email = np.where(use_work, work_email, personal_email)

    nsn, us_tz = national_numbers(rng, country)
    tz = pd.Series(country, dtype=object).map(dict(TIMEZONE_BY_COUNTRY)).to_numpy(dtype=object)
    tz = np.where(country == "US", us_tz, tz)

    language = pd.Series(locale, dtype=object).map(dict(LANGUAGE_BY_LOCALE)).to_numpy(dtype=object)
    job_title = np.full(n, "", dtype=object)
    for lang, titles in JOB_TITLES.items():
        sel = has_company & (language == lang)
        job_title[sel] = _pick(rng, np.array(titles, dtype=object), int(sel.sum()))

    channels = np.array(list(params.channel_shares.keys()), dtype=object)
    cw = np.array(list(params.channel_shares.values()))
    channel = channels[rng.choice(len(channels), size=n, p=cw / cw.sum())]

    region_or_state = cols["region"]
    us = country == "US"
    address = np.where(jp, region_or_state + cols["city"] + cols["street"], cols["street"])
    people = pd.DataFrame(
        {
            "person_id": sequential_ids("P", n, 7, first_id),
            "locale": locale,
            "country": country,
            "language": language,
            "gender": gender,
            "first_name": cols["first_name"],
            "last_name": cols["last_name"],
            "first_name_latin": cols["first_name_latin"],
            "last_name_latin": cols["last_name_latin"],
            "first_name_kana": cols["first_name_kana"],
            "last_name_kana": cols["last_name_kana"],
            "email": email,
            "personal_email": personal_email,
            "work_email": work_email,
            "phone_nsn": nsn,
            "phone_e164": e164(country, nsn),
            "address": address,
            "city": cols["city"],
            "region": np.where(us | jp, region_or_state, ""),
            "postal_code": cols["postal_code"],
            "company_idx": company_idx,
            "company_id": np.where(
                has_company, companies["company_id"].to_numpy(dtype=object)[np.maximum(company_idx, 0)], ""
            ),
            "job_title": job_title,
            "timezone": tz,
            "acquisition_channel": channel,
            "marketing_consent": rng.random(n) < params.marketing_consent_rate,
            "open_propensity": rng.beta(*params.open_propensity_beta, size=n),
            "satisfaction": rng.normal(0.0, 1.0, size=n),
            "bad_address": rng.random(n) < params.bad_address_share,
        }
    )
    return people


def mailbox_keys(people: pd.DataFrame) -> set[str]:
    """The mailboxes (see _match_key) of people's personal and work addresses: what a later chunk of the
    population must not give out again."""
    out: set[str] = set()
    for col in ("personal_email", "work_email"):
        addr = people[col]
        parts = addr[addr.ne("")].str.split("@")
        out.update(_match_key(parts.str[0], parts.str[1]))
    return out
