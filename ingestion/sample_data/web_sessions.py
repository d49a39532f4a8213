"""Website behaviour as Segment records it: sessions of page views, forms, carts and identification.

Everything is computed on integer codes (site paths, referrers, campaigns, people, carts...) and turned
into an Arrow table of dictionary-encoded columns at the end, so that a million events cost no Python
string objects; ``writers.web`` serialises the table with DuckDB.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import quote

import numpy as np
import pandas as pd
import pyarrow as pa

from .arrowcols import dict_array, fixed_strings, month_code
from .catalog import (
    FORM_IDS,
    FORM_PAGES,
    IP_FIRST_OCTETS,
    PAGES,
    PATH_CODE,
    PRODUCTS,
    REFERRERS,
    SEARCH_TERMS,
    SITE_PATHS,
    SITE_TITLES_EN,
    SITE_TITLES_JA,
    USER_AGENT_WEIGHTS,
    USER_AGENTS,
    UTM_CONTENTS,
)
from .config import WEB_LOCALE_BY_LOCALE, WEBSITE, ProcessParameters
from .ids import ipv4, uuid4_chars
from .orders import Commerce
from .phones import STYLE_COUNT, format_phones
from .timeutil import DAY, Window

BROWSE, FORM, LOGIN, CHECKOUT, CLICK = range(5)
PAGE, FORM_SUBMITTED, IDENTIFY, PRODUCT_ADDED, CHECKOUT_STARTED, ORDER_COMPLETED, ALIAS, GROUP = range(8)
TYPE_NAMES = ("page", "track", "identify", "track", "track", "track", "alias", "group")
EVENT_NAMES = (
    None,
    "Form Submitted",
    None,
    "Product Added",
    "Checkout Started",
    "Order Completed",
    None,
    None,
)

P_CART, P_CHECKOUT, P_THANKS = PATH_CODE["/cart"], PATH_CODE["/checkout"], PATH_CODE["/checkout/complete"]
_BROWSE_PATHS = np.arange(len(PAGES))
_BROWSE_W = np.array([p[3] for p in PAGES]) / sum(p[3] for p in PAGES)
_LANDING = MappingProxyType(
    {
        "organic_search": (
            "/blog/customer-360-guide",
            "/blog/nps-benchmarks",
            "/blog/cohort-analysis",
            "/docs/getting-started",
            "/",
        ),
        "paid_search": ("/pricing", "/product/dashboards", "/product/ai-insights", "/"),
        "social": ("/blog/customer-360-guide", "/customers", "/webinars", "/blog/cohort-analysis"),
        "email": ("/webinars", "/blog/nps-benchmarks", "/product/ai-insights"),
        "referral": ("/", "/customers", "/pricing"),
        "direct": ("/", "/pricing", "/docs/getting-started"),
        "event": ("/", "/webinars"),
    }
)
# external referrers: index 0 is "no referrer"
_REFS: tuple[str, ...] = ("", *sorted({u for urls in REFERRERS.values() for u in urls}))
_REF_CODE = MappingProxyType({u: i for i, u in enumerate(_REFS)})
_TERMS: tuple[str, ...] = tuple(t for terms in SEARCH_TERMS.values() for t in terms)


@dataclass(frozen=True)
class WebData:
    table: pa.Table  # one row per Segment message, in output order (see writers.web)
    anonymous: pd.DataFrame  # anonymous_id -> person_idx


def _codes(
    rng: np.random.Generator,
    options: tuple[str, ...] | list[str],
    n: int,
    table: dict[str, int],
    p: np.ndarray | None = None,
) -> np.ndarray:
    arr = np.array([table[o] for o in options], dtype=np.int64)
    if p is None:
        return arr[rng.integers(0, len(arr), size=n)]
    return arr[rng.choice(len(arr), size=n, p=p / p.sum())]


def _n_pages(rng: np.random.Generator, n: int, mean: float, cap: int = 8) -> np.ndarray:
    return np.minimum(1 + rng.poisson(mean, size=n), cap)


class _Sessions:
    """Column lists of sessions, concatenated at the end."""

    FIELDS = (
        "person",
        "anchor",
        "kind",
        "n_pages",
        "landing",
        "ref",
        "camp",
        "term",
        "content",
        "use2",
        "cart_row",
    )

    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []

    def add(
        self,
        person: np.ndarray,
        anchor: np.ndarray,
        kind: int,
        n_pages: np.ndarray,
        landing: np.ndarray,
        ref: np.ndarray | int = 0,
        camp: np.ndarray | int = -1,
        term: np.ndarray | int = -1,
        content: np.ndarray | int = -1,
        use2: np.ndarray | bool = False,
        cart_row: np.ndarray | int = -1,
    ) -> None:
        n = len(person)
        values = dict(
            person=person,
            anchor=anchor,
            kind=kind,
            n_pages=n_pages,
            landing=landing,
            ref=ref,
            camp=camp,
            term=term,
            content=content,
            use2=use2,
            cart_row=cart_row,
        )
        self.parts.append({k: np.broadcast_to(np.asarray(v), (n,)).copy() for k, v in values.items()})

    def concat(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate([p[k] for p in self.parts]) for k in self.FIELDS}


def simulate_web(
    rng: np.random.Generator,
    people: pd.DataFrame,
    contacts: pd.DataFrame,
    companies: pd.DataFrame,
    campaigns: pd.DataFrame,
    commerce: Commerce,
    clicks: pd.DataFrame,
    sys_email: np.ndarray,
    window: Window,
    params: ProcessParameters,
) -> WebData:
    n = len(people)
    channel = people["acquisition_channel"].to_numpy(dtype=object)
    jp = people["country"].to_numpy(dtype=object) == "JP"
    web = people["web_visitor"].to_numpy()
    t0 = people["first_touch_at"].to_numpy()
    form = people["form_identified"].to_numpy()
    form_at = people["form_at"].to_numpy()
    ident_at = people["identified_at"].to_numpy()
    identified = ident_at > 0
    second_at = ident_at + rng.exponential(30 * DAY, size=n).astype(np.int64)
    has2 = identified & (rng.random(n) < params.second_device_share) & (second_at < window.hi)
    camp_row = pd.Series(np.arange(len(campaigns)), index=campaigns["campaign_id"].to_numpy(dtype=object))
    acq = camp_row.reindex(people["acquisition_campaign_id"].to_numpy(dtype=object)).fillna(-1).to_numpy()
    acq = acq.astype(np.int64)

    sess = _Sessions()
    # 1. first visit (the form may be filled in on it)
    idx = np.flatnonzero(web)
    m = len(idx)
    same = form[idx] & (form_at[idx] - t0[idx] < 900)
    landing = np.zeros(m, dtype=np.int64)
    for ch, paths in _LANDING.items():
        sel = channel[idx] == ch
        landing[sel] = _codes(rng, paths, int(sel.sum()), PATH_CODE)
    ref = np.zeros(m, dtype=np.int64)
    for ch in ("organic_search", "paid_search", "social", "referral"):
        for is_jp in (False, True):
            sel = (channel[idx] == ch) & (jp[idx] == is_jp)
            key = f"{ch}_jp" if is_jp and f"{ch}_jp" in REFERRERS else ch
            ref[sel] = _codes(rng, REFERRERS[key], int(sel.sum()), _REF_CODE)
    with_camp = np.isin(channel[idx], ["paid_search", "social", "email"]) & (acq[idx] >= 0)
    lang = people["language"].to_numpy(dtype=object)[idx]
    term = np.full(m, -1, dtype=np.int64)
    offset = 0
    for lg, terms in SEARCH_TERMS.items():
        sel = with_camp & (channel[idx] == "paid_search") & (lang == lg)
        term[sel] = offset + rng.integers(0, len(terms), size=int(sel.sum()))
        offset += len(terms)
    content = np.where(channel[idx] == "email", 0, 2 + rng.integers(0, 3, size=m))
    sess.add(
        idx,
        np.where(same, form_at[idx], t0[idx]),
        BROWSE,
        _n_pages(rng, m, params.pages_per_session_mean),
        landing,
        ref=ref,
        camp=np.where(with_camp, acq[idx], -1),
        term=term,
        content=np.where(with_camp, content, -1),
    )
    sess.parts[-1]["kind"][same] = FORM

    google = np.where(jp, _REF_CODE["https://www.google.co.jp/"], _REF_CODE["https://www.google.com/"])

    def simple(
        person: np.ndarray,
        anchor: np.ndarray,
        kind: int,
        use2: np.ndarray | bool = False,
        landing_codes: np.ndarray | None = None,
    ) -> None:
        k = len(person)
        lp = landing_codes if landing_codes is not None else rng.choice(_BROWSE_PATHS, size=k, p=_BROWSE_W)
        ref_k = np.where(rng.random(k) < 0.5, 0, google[person])
        sess.add(
            person, anchor, kind, _n_pages(rng, k, params.pages_per_session_mean), lp, ref=ref_k, use2=use2
        )

    # 2. more anonymous browsing before identification (or ever, for visitors who never identify)
    k = rng.poisson(params.pre_identify_sessions_mean, size=m)
    pp = np.repeat(idx, k)
    end = np.where(identified[pp], ident_at[pp], t0[pp] + 60 * DAY)
    simple(pp, (t0[pp] + rng.random(len(pp)) * (end - t0[pp])).astype(np.int64), BROWSE)
    # 3. the form, on a later visit
    fi = np.flatnonzero(web & form)
    fi = fi[form_at[fi] - t0[fi] >= 900]
    simple(fi, form_at[fi], FORM)
    # 4. known visitors keep coming back
    ki = np.flatnonzero(identified)
    months = np.maximum(window.hi - ident_at[ki], 0) / (30.4 * DAY)
    k = np.minimum(rng.poisson(params.known_sessions_per_month * months), 24)
    pp = np.repeat(ki, k)
    at = (ident_at[pp] + rng.random(len(pp)) * (window.hi - ident_at[pp])).astype(np.int64)
    simple(pp, at, BROWSE, use2=has2[pp] & (at > second_at[pp]) & (rng.random(len(pp)) < 0.4))
    # 5. log-in from a second device
    li = np.flatnonzero(has2)
    simple(li, second_at[li], LOGIN, use2=True)
    # 6. carts and checkouts
    carts = commerce.carts
    cp = carts["person_idx"].to_numpy()
    cat = carts["completed_at"].to_numpy()
    landing = _codes(rng, ("/pricing", "/product/dashboards", "/"), len(cp), PATH_CODE)
    sess.add(
        cp,
        cat,
        CHECKOUT,
        np.minimum(_n_pages(rng, len(cp), params.pages_per_session_mean), 2),
        landing,
        ref=np.where(rng.random(len(cp)) < 0.5, 0, google[cp]),
        use2=has2[cp] & (cat > second_at[cp]) & (rng.random(len(cp)) < 0.3),
        cart_row=np.arange(len(cp)),
    )
    # 7. clicks in marketing e-mails
    if len(clicks):
        kc = len(clicks)
        sess.add(
            clicks["person_idx"].to_numpy(),
            clicks["ts"].to_numpy() + rng.integers(2, 15, kc),
            CLICK,
            _n_pages(rng, kc, params.pages_per_session_mean),
            clicks["path_code"].to_numpy(),
            camp=clicks["campaign_row"].to_numpy(),
            content=clicks["content_code"].to_numpy(),
        )

    s = sess.concat()
    keep = (s["anchor"] >= window.lo - DAY) & (s["anchor"] < window.hi)
    s = {k: v[keep] for k, v in s.items()}
    order = np.lexsort((s["kind"], s["person"], s["anchor"]))
    s = {k: v[order] for k, v in s.items()}
    ev = _events(rng, s, carts, commerce.items)
    return _table(
        rng, ev, s, people, contacts, companies, campaigns, carts, commerce.items, sys_email, jp, window
    )


def _events(
    rng: np.random.Generator, s: dict[str, np.ndarray], carts: pd.DataFrame, items: pd.DataFrame
) -> dict[str, np.ndarray]:
    """Events of each session (sorted by session, then sequence) with their millisecond timestamps."""
    kind, n_pages = s["kind"], s["n_pages"]
    S = len(kind)
    parts: list[dict[str, np.ndarray]] = []

    def add(
        sidx: np.ndarray,
        seq: np.ndarray,
        etype: int,
        path: np.ndarray | int = -1,
        anchor: np.ndarray | bool = False,
        line: np.ndarray | int = -1,
    ) -> None:
        k = len(sidx)
        parts.append(
            {
                "s": sidx,
                "seq": np.broadcast_to(seq, (k,)).astype(np.int64),
                "etype": np.full(k, etype, dtype=np.int8),
                "path": np.broadcast_to(np.asarray(path, dtype=np.int64), (k,)),
                "anchor": np.broadcast_to(np.asarray(anchor, dtype=bool), (k,)),
                "line": np.broadcast_to(np.asarray(line, dtype=np.int64), (k,)),
            }
        )

    # page views; a form session ends on a form page
    sidx = np.repeat(np.arange(S), n_pages)
    pos = np.arange(len(sidx)) - np.repeat(np.cumsum(n_pages) - n_pages, n_pages)
    path = rng.choice(_BROWSE_PATHS, size=len(sidx), p=_BROWSE_W)
    path = np.where(pos == 0, s["landing"][sidx], path)
    form_codes = np.array([PATH_CODE[p] for p in FORM_PAGES])
    last_of_form = (pos == n_pages[sidx] - 1) & (kind[sidx] == FORM)
    path = np.where(last_of_form, form_codes[rng.integers(0, len(form_codes), len(sidx))], path)
    add(sidx, pos * 10, PAGE, path)
    fs = np.flatnonzero(kind == FORM)
    add(fs, n_pages[fs] * 10 + 1, FORM_SUBMITTED)
    add(fs, n_pages[fs] * 10 + 2, IDENTIFY, anchor=True)
    ls = np.flatnonzero(kind == LOGIN)
    add(ls, np.full(len(ls), 5), IDENTIFY, anchor=True)
    # checkouts: products added, cart, checkout, identify and order completed
    cs = np.flatnonzero(kind == CHECKOUT)
    cart_row = s["cart_row"][cs]
    stage = carts["stage"].to_numpy(dtype=object)[cart_row]
    base = n_pages[cs] * 10
    line_cart = items["cart"].to_numpy()
    lorder = np.argsort(line_cart, kind="stable")
    starts = np.searchsorted(line_cart[lorder], cart_row, side="left")
    counts = np.searchsorted(line_cart[lorder], cart_row, side="right") - starts
    ls_s = np.repeat(cs, counts)
    ls_j = np.arange(len(ls_s)) - np.repeat(np.cumsum(counts) - counts, counts)
    add(
        ls_s, np.repeat(base, counts) + 1 + ls_j, PRODUCT_ADDED, line=lorder[np.repeat(starts, counts) + ls_j]
    )
    add(cs, base + 50, PAGE, P_CART, anchor=stage == "added")
    co = stage != "added"
    add(cs[co], base[co] + 60, PAGE, P_CHECKOUT)
    add(cs[co], base[co] + 61, CHECKOUT_STARTED, anchor=stage[co] == "checkout")
    done = stage == "completed"
    add(cs[done], base[done] + 62, IDENTIFY)
    add(cs[done], base[done] + 65, ORDER_COMPLETED, anchor=True)
    add(cs[done], base[done] + 66, PAGE, P_THANKS)

    ev = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.lexsort((ev["seq"], ev["s"]))
    ev = {k: v[order] for k, v in ev.items()}
    sidx, et = ev["s"], ev["etype"]
    E = len(sidx)
    gap = np.where(
        et == PAGE,
        rng.integers(15_000, 150_000, E),
        np.where(et == IDENTIFY, rng.integers(300, 1500, E), rng.integers(2_000, 25_000, E)),
    )
    first = np.r_[True, sidx[1:] != sidx[:-1]]
    gap = np.where(first, 0, gap)
    cum = np.cumsum(gap)
    cum = cum - np.maximum.accumulate(np.where(first, cum, 0))
    anchored = ev["anchor"]
    anchor_cum = np.zeros(S, dtype=np.int64)
    anchor_cum[sidx[anchored]] = cum[anchored]
    start_ms = s["anchor"] * 1000 - anchor_cum + rng.integers(0, 1000, S)
    ev["ts_ms"] = start_ms[sidx] + cum
    # the page each event happened on (every session starts with a page view)
    page_idx = np.maximum.accumulate(np.where(et == PAGE, np.arange(E), 0))
    ev["page_idx"] = page_idx
    ev["path"] = ev["path"][page_idx]
    ev["first_page"] = first[page_idx]
    # previous page of the session (for the referrer), -1 on the first page
    prev = np.full(E, -1, dtype=np.int64)
    pages = np.flatnonzero(et == PAGE)
    same_session = sidx[pages[1:]] == sidx[pages[:-1]]
    prev[pages[1:][same_session]] = pages[:-1][same_session]
    ev["prev_page"] = prev[page_idx]
    return ev


def _search_strings(s: dict[str, np.ndarray], campaigns: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """UTM query string per session (code 0 = none) and the table of strings."""
    has = s["camp"] >= 0
    key = np.where(
        has,
        (s["camp"] * (len(_TERMS) + 1) + (s["term"] + 1)) * (len(UTM_CONTENTS) + 1) + (s["content"] + 1),
        -1,
    )
    uniq, inv = np.unique(key[has], return_inverse=True)
    names = campaigns["name"].to_numpy(dtype=object)
    sources = campaigns["source"].to_numpy(dtype=object)
    mediums = campaigns["medium"].to_numpy(dtype=object)
    table = [""]
    for k in uniq:
        content = k % (len(UTM_CONTENTS) + 1) - 1
        rest = k // (len(UTM_CONTENTS) + 1)
        term = rest % (len(_TERMS) + 1) - 1
        camp = rest // (len(_TERMS) + 1)
        q = f"?utm_source={sources[camp]}&utm_medium={mediums[camp]}"
        q += f"&utm_campaign={quote(names[camp], safe='')}"
        if term >= 0:
            q += "&utm_term=" + quote(_TERMS[term], safe="")
        if content >= 0:
            q += "&utm_content=" + UTM_CONTENTS[content]
        table.append(q)
    code = np.zeros(len(key), dtype=np.int64)
    code[has] = inv + 1
    return code, table


def _loc_path(path_code: int, is_jp: int) -> str:
    path = SITE_PATHS[path_code]
    if not is_jp:
        return path
    return "/ja/" if path == "/" else "/ja" + path


def _page_name(title: str) -> str:
    for sep in (" - ", " | "):
        if sep in title:
            return title.split(sep)[0]
    return title


def _table(
    rng: np.random.Generator,
    ev: dict[str, np.ndarray],
    s: dict[str, np.ndarray],
    people: pd.DataFrame,
    contacts: pd.DataFrame,
    companies: pd.DataFrame,
    campaigns: pd.DataFrame,
    carts: pd.DataFrame,
    items: pd.DataFrame,
    sys_email: np.ndarray,
    jp: np.ndarray,
    window: Window,
) -> WebData:
    n = len(people)
    sidx = ev["s"]
    person = s["person"][sidx]
    anon_code = person + n * s["use2"][sidx].astype(np.int64)
    et = ev["etype"].astype(np.int64)

    # first identify of each anonymousId: userId from then on; alias and group right after it
    ident = np.flatnonzero(et == IDENTIFY)
    o = np.lexsort((ev["ts_ms"][ident], anon_code[ident]))
    ident = ident[o]
    firsts = ident[np.r_[True, anon_code[ident][1:] != anon_code[ident][:-1]]] if len(ident) else ident
    first_ts = np.full(2 * n, np.iinfo(np.int64).max, dtype=np.int64)
    first_ts[anon_code[firsts]] = ev["ts_ms"][firsts]
    cidx = people["company_idx"].to_numpy()
    grp = firsts[cidx[person[firsts]] >= 0]
    src = np.concatenate([np.arange(len(sidx)), firsts, grp])
    etype = np.concatenate([et, np.full(len(firsts), ALIAS), np.full(len(grp), GROUP)])
    ts = np.concatenate(
        [
            ev["ts_ms"],
            ev["ts_ms"][firsts] + rng.integers(150, 600, len(firsts)),
            ev["ts_ms"][grp] + rng.integers(700, 1500, len(grp)),
        ]
    )
    keep = window.inside(ts // 1000)
    src, etype, ts = src[keep], etype[keep], ts[keep]
    order = np.lexsort((etype, ev["seq"][src], sidx[src], ts))
    src, etype, ts = src[order], etype[order], ts[order]
    N = len(src)
    person, anon_code, sx = person[src], anon_code[src], sidx[src]
    known = ts >= first_ts[anon_code]

    # page context
    path = ev["path"][src]
    pj = path * 2 + jp[person]
    first_page = ev["first_page"][src]
    search_code, search_table = _search_strings(s, campaigns)
    search = np.where(first_page, search_code[sx], 0)
    url_key = pj * len(search_table) + search
    url_uniq, url_code = np.unique(url_key, return_inverse=True)
    url_table = [
        WEBSITE
        + _loc_path(int(k // len(search_table)) // 2, int(k // len(search_table)) % 2)
        + search_table[int(k % len(search_table))]
        for k in url_uniq
    ]
    prev = ev["prev_page"][src]
    prev_path = np.where(prev >= 0, ev["path"][np.maximum(prev, 0)], 0)
    ref_code = np.where(prev >= 0, len(_REFS) + prev_path * 2 + jp[person], s["ref"][sx])
    ref_table = list(_REFS) + [WEBSITE + _loc_path(i // 2, i % 2) for i in range(2 * len(SITE_PATHS))]
    titles = [t for en, ja in zip(SITE_TITLES_EN, SITE_TITLES_JA, strict=True) for t in (en, ja)]
    loc_paths = [_loc_path(i // 2, i % 2) for i in range(2 * len(SITE_PATHS))]
    is_page = etype == PAGE
    camp = np.where(first_page, s["camp"][sx], -1)
    term = np.where(camp >= 0, s["term"][sx], -1)
    content = np.where(camp >= 0, s["content"][sx], -1)

    # session attributes: ip per session, user agent per device
    countries = people["country"].to_numpy(dtype=object)
    first_octet = np.zeros(len(s["person"]), dtype=np.int64)
    s_country = countries[s["person"]]
    for c, octets in IP_FIRST_OCTETS.items():
        sel = s_country == c
        first_octet[sel] = np.array(octets)[rng.integers(0, len(octets), size=int(sel.sum()))]
    ips = ipv4(rng, first_octet)
    w = np.array(USER_AGENT_WEIGHTS)
    ua_device = np.concatenate(
        [rng.choice(len(USER_AGENTS), size=n, p=w / w.sum()), rng.choice([5, 6, 7, 8], size=n)]
    )
    locales = sorted(set(WEB_LOCALE_BY_LOCALE.values()))
    locale_code = (
        pd.Series(people["locale"].map(dict(WEB_LOCALE_BY_LOCALE)))
        .map({v: i for i, v in enumerate(locales)})
        .to_numpy(dtype=np.int64)
    )
    tz_uniq, tz_code = np.unique(people["timezone"].to_numpy(dtype=str), return_inverse=True)

    # what people type into forms and checkouts
    fn, ln = people["first_name"].to_numpy(dtype=object), people["last_name"].to_numpy(dtype=object)
    fl, ll = (
        people["first_name_latin"].to_numpy(dtype=object),
        people["last_name_latin"].to_numpy(dtype=object),
    )
    roman = jp & (rng.random(n) < 0.1)
    t_first = np.where(roman, fl, fn)
    t_last = np.where(roman, ll, ln)
    t_name = np.where(jp & ~roman, ln + " " + fn, t_first + " " + t_last)
    t_email = np.where(sys_email != "", sys_email, people["email"].to_numpy(dtype=object))
    styles = (rng.random(n) * np.array([STYLE_COUNT[c] for c in countries])).astype(int)
    t_phone = format_phones(countries, people["phone_nsn"].to_numpy(dtype=object), styles)
    has_company = cidx >= 0
    comp_names = companies["company_name"].to_numpy(dtype=object)
    typed = (etype == FORM_SUBMITTED) | (etype == IDENTIFY)
    t_code = np.where(typed, person, -1)
    tc_code = np.where(typed & has_company[person], cidx[person], -1)
    form_ids = [FORM_IDS.get(p, "") for p in SITE_PATHS]

    # cart lines, carts and orders
    line = ev["line"][src]
    is_line = (line >= 0) & (etype == PRODUCT_ADDED)
    li = np.maximum(line, 0)
    prod = np.where(is_line, items["product"].to_numpy()[li], -1)
    line_cur = items["currency"].to_numpy(dtype=object)[li]
    price_minor = items["price_minor"].to_numpy()[li]
    price = np.where(line_cur == "JPY", price_minor, price_minor / 100.0)
    cart_row = s["cart_row"][sx]
    in_cart = (cart_row >= 0) & np.isin(etype, [PRODUCT_ADDED, CHECKOUT_STARTED, ORDER_COMPLETED])
    cr = np.maximum(cart_row, 0)
    cart_cur = carts["currency"].to_numpy(dtype=object)[cr]
    value_minor = carts["value_minor"].to_numpy()[cr]
    value = np.where(cart_cur == "JPY", value_minor, value_minor / 100.0)
    currencies = ["EUR", "GBP", "JPY", "USD"]
    cur_code = np.where(
        in_cart, pd.Series(cart_cur).map({c: i for i, c in enumerate(currencies)}).to_numpy(), -1
    )
    with_order = np.isin(etype, [CHECKOUT_STARTED, ORDER_COMPLETED])

    primary = contacts[~contacts["is_duplicate"]].set_index("person_idx")["contact_id"]
    contact_of = primary.reindex(np.arange(n)).fillna("").to_numpy(dtype=object)
    anon_chars = uuid4_chars(rng, 2 * n)
    msg_chars = uuid4_chars(rng, N)
    type_code = np.array([0, 1, 2, 1, 1, 1, 3, 4])[etype]
    event_code = np.array([-1, 0, -1, 1, 2, 3, -1, -1])[etype]
    gidx = np.where(etype == GROUP, cidx[person], -1)
    sent = ts + rng.integers(5, 2500, N)

    table = pa.table(
        {
            "ord": pa.array(np.arange(N, dtype=np.int64)),
            "month": pa.array(month_code(ts // 1000), pa.int64()),
            "type": dict_array(type_code, ["page", "track", "identify", "alias", "group"]),
            "event": dict_array(
                event_code, ["Form Submitted", "Product Added", "Checkout Started", "Order Completed"]
            ),
            "messageId": fixed_strings(msg_chars),
            "anonymousId": dict_array(anon_code, fixed_strings(anon_chars)),
            "userId": dict_array(np.where(known, person, -1), contact_of),
            "ts_ms": pa.array(ts, pa.int64()),
            "sent_ms": pa.array(sent, pa.int64()),
            "received_ms": pa.array(sent + rng.integers(40, 900, N), pa.int64()),
            "ip": dict_array(sx, ips),
            "locale": dict_array(locale_code[person], locales),
            "userAgent": dict_array(ua_device[anon_code], list(USER_AGENTS)),
            "timezone": dict_array(tz_code[person], tz_uniq.astype(object)),
            "page_path": dict_array(pj, loc_paths),
            "page_url": dict_array(url_code, url_table),
            "page_referrer": dict_array(ref_code, ref_table),
            "page_title": dict_array(pj, titles),
            "page_search": dict_array(search, search_table),
            "page_name": dict_array(np.where(is_page, pj, -1), [_page_name(t) for t in titles]),
            "c_name": dict_array(camp, campaigns["name"].to_numpy(dtype=object)),
            "c_source": dict_array(camp, campaigns["source"].to_numpy(dtype=object)),
            "c_medium": dict_array(camp, campaigns["medium"].to_numpy(dtype=object)),
            "c_term": dict_array(term, list(_TERMS)),
            "c_content": dict_array(content, list(UTM_CONTENTS)),
            "form_id": dict_array(np.where(etype == FORM_SUBMITTED, path, -1), form_ids),
            "t_email": dict_array(t_code, t_email),
            "t_name": dict_array(t_code, t_name),
            "t_first": dict_array(t_code, t_first),
            "t_last": dict_array(t_code, t_last),
            "t_phone": dict_array(t_code, t_phone),
            "t_company": dict_array(tc_code, comp_names),
            "cart_id": dict_array(np.where(in_cart, cr, -1), carts["cart_id"].to_numpy(dtype=object)),
            "product_id": dict_array(prod, [p[1] for p in PRODUCTS]),
            "sku": dict_array(prod, [p[0] for p in PRODUCTS]),
            "product_name": dict_array(prod, [p[2] for p in PRODUCTS]),
            "price": pa.array(np.where(is_line, price, 0.0)),
            "quantity": pa.array(np.where(is_line, items["quantity"].to_numpy()[li], 0).astype(np.int64)),
            "currency": dict_array(cur_code, currencies),
            "order_id": dict_array(np.where(with_order, cr, -1), carts["order_id"].to_numpy(dtype=object)),
            "value": pa.array(np.where(in_cart, value, 0.0)),
            "group_id": dict_array(gidx, companies["company_id"].to_numpy(dtype=object)),
            "g_name": dict_array(gidx, comp_names),
            "g_industry": dict_array(gidx, companies["industry"].to_numpy(dtype=object)),
            "g_employees": pa.array(
                np.where(gidx >= 0, companies["employees"].to_numpy()[np.maximum(gidx, 0)], 0).astype(
                    np.int64
                )
            ),
        }
    )
    used = np.unique(anon_code)
    anon_strings = fixed_strings(anon_chars[used]).to_numpy(zero_copy_only=False)
    anonymous = pd.DataFrame({"anonymous_id": anon_strings, "person_idx": used % n})
    return WebData(table=table, anonymous=anonymous)
