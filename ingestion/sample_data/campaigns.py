"""Marketing campaigns (``sales/campaigns.csv``): newsletters, promotions, ads and events."""

from __future__ import annotations

from datetime import date, timedelta
from types import MappingProxyType

import numpy as np
import pandas as pd

from .timeutil import HOUR, Window, epoch

# audience -> (region, language, currency, send hour in UTC for ~10:00 local)
_AUDIENCES = MappingProxyType(
    {
        "JP": ("JP", "ja", "JPY", 1),
        "EN": ("NA", "en", "USD", 14),
        "DE": ("EMEA", "de", "EUR", 8),
        "FR": ("EMEA", "fr", "EUR", 8),
    }
)
_REGION_CURRENCY = MappingProxyType({"JP": "JPY", "NA": "USD", "EMEA": "EUR"})
_COST_FACTOR = MappingProxyType({"USD": 1.0, "EUR": 0.92, "GBP": 0.79, "JPY": 150.0})
_PROMOS = (
    (
        "Webinar: Customer 360 in practice",
        "ウェビナーのご案内：顧客360度分析の実践",
        "Webinar: Kunden-360 in der Praxis",
        "Webinaire : le client 360 en pratique",
    ),
    (
        "New: AI Insights is here",
        "新機能「AIインサイト」のお知らせ",
        "Neu: AI Insights ist da",
        "Nouveau : AI Insights est disponible",
    ),
    (
        "Customer story: how teams cut reporting time",
        "導入事例：レポート作成時間を半減した方法",
        "Kundenstory: weniger Zeit für Reports",
        "Témoignage client : moins de temps sur les rapports",
    ),
)
_EVENTS = (
    ("JP", "Tokyo Data Summit", 5, 11),
    ("JP", "Osaka Analytics Day", 9, 17),
    ("NA", "NYC Customer Analytics Expo", 4, 8),
    ("NA", "Austin Data Week", 10, 14),
    ("EMEA", "London Analytics Forum", 3, 18),
    ("EMEA", "Berlin Data Days", 6, 10),
    ("EMEA", "Paris BI Forum", 11, 20),
)


def _months(window: Window) -> list[date]:
    d = date(window.start_date.year, window.start_date.month, 1)
    out = []
    while d < window.end_date:
        out.append(d)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


def _first_weekday(d: date, weekday: int) -> date:
    return d + timedelta(days=(weekday - d.weekday()) % 7)


def build_campaigns(rng: np.random.Generator, window: Window) -> pd.DataFrame:
    rows: list[dict] = []
    months = _months(window)
    for i, m in enumerate(months):
        for audience, (region, lang, currency, hour) in _AUDIENCES.items():
            send = _first_weekday(m, 1)  # first Tuesday
            label = f"{m:%Y-%m}"
            name = (
                f"{m.year}年{m.month}月 ニュースレター"
                if lang == "ja"
                else f"Newsletter {label} ({audience})"
            )
            rows.append(
                dict(
                    kind="newsletter",
                    channel="email",
                    region=region,
                    language=lang,
                    audience=audience,
                    name=name,
                    start=send,
                    end=send + timedelta(days=14),
                    currency=currency,
                    cost=rng.uniform(150, 450),
                    send_hour=hour,
                    source="sendgrid",
                    medium="email",
                )
            )
            if i % 2 == 1:
                promo = _PROMOS[(i // 2) % len(_PROMOS)]
                text = {"en": promo[0], "ja": promo[1], "de": promo[2], "fr": promo[3]}[lang]
                send = _first_weekday(m + timedelta(days=14), 3)  # a Thursday mid-month
                suffix = "" if lang == "ja" else f" ({audience})"
                rows.append(
                    dict(
                        kind="promo",
                        channel="email",
                        region=region,
                        language=lang,
                        audience=audience,
                        name=f"{text}{suffix}",
                        start=send,
                        end=send + timedelta(days=21),
                        currency=currency,
                        cost=rng.uniform(200, 700),
                        send_hour=hour,
                        source="sendgrid",
                        medium="email",
                    )
                )
        if m.month in (1, 4, 7, 10) or i == 0:
            q = (m.month - 1) // 3 + 1
            q_start = max(date(m.year, 3 * q - 2, 1), window.start_date)
            q_end = date(m.year + (q == 4), (3 * q) % 12 + 1, 1) - timedelta(days=1)
            q_end = min(q_end, window.end_date - timedelta(days=1))
            label = f"{m.year}-Q{q}"
            for region, currency in _REGION_CURRENCY.items():
                ads = [
                    ("paid_search", "brand", "google", "cpc", f"Google Ads | Brand | {region} | {label}"),
                    ("paid_search", "generic", "google", "cpc", f"Google Ads | Generic | {region} | {label}"),
                    ("social", "abm", "linkedin", "paid_social", f"LinkedIn | ABM | {region} | {label}"),
                    (
                        "social",
                        "retargeting",
                        "facebook",
                        "paid_social",
                        f"Facebook | Retargeting | {region} | {label}",
                    ),
                ]
                if region == "JP":
                    ads[1] = ("paid_search", "generic", "yahoo", "cpc", f"Yahoo!広告 | 検索 | JP | {label}")
                for channel, kind, source, medium, name in ads:
                    base = 18000 if channel == "paid_search" else 9000
                    rows.append(
                        dict(
                            kind=kind,
                            channel=channel,
                            region=region,
                            language="",
                            audience=region,
                            name=name,
                            start=q_start,
                            end=q_end,
                            currency=currency,
                            cost=rng.uniform(0.5, 1.5) * base,
                            send_hour=0,
                            source=source,
                            medium=medium,
                        )
                    )
    for year in sorted({window.start_date.year, window.end_date.year, window.start_date.year + 1}):
        for region, title, month, day in _EVENTS:
            start = date(year, month, day)
            if not (window.start_date + timedelta(days=2) <= start <= window.end_date - timedelta(days=3)):
                continue
            rows.append(
                dict(
                    kind="event",
                    channel="event",
                    region=region,
                    language="",
                    audience=region,
                    name=f"{title} {year}",
                    start=start,
                    end=start + timedelta(days=1),
                    currency=_REGION_CURRENCY[region],
                    cost=rng.uniform(15000, 60000),
                    send_hour=0,
                    source="event",
                    medium="offline",
                )
            )
    df = pd.DataFrame(rows)
    df = df[(df["start"] >= window.start_date) & (df["start"] < window.end_date)]
    df = df.sort_values(["start", "channel", "region", "name"], kind="stable").reset_index(drop=True)
    df["cost"] = [
        round(c * _COST_FACTOR[cur]) if cur == "JPY" else round(c, 2)
        for c, cur in zip(df["cost"], df["currency"], strict=True)
    ]
    df.insert(0, "campaign_id", [f"CMP-{i:04d}" for i in range(1, len(df) + 1)])
    df["start_ts"] = [epoch(d) for d in df["start"]]
    df["end_ts"] = [epoch(d) + 86400 for d in df["end"]]
    df["send_ts"] = df["start_ts"] + df["send_hour"] * HOUR
    return df
