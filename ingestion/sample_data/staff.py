"""Acme Analytics' own people: sales reps and support agents (``sales/users.csv``)."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pandas as pd

from .config import COMPANY_DOMAIN, COMPANY_DOMAIN_JP
from .pools import LocalePool
from .text import email_local

_REGION_LOCALES = MappingProxyType({"JP": ("ja_JP",), "NA": ("en_US",), "EMEA": ("en_GB", "de_DE", "fr_FR")})
_LOCALE_TZ = MappingProxyType(
    {
        "ja_JP": "Asia/Tokyo",
        "en_US": "America/New_York",
        "en_GB": "Europe/London",
        "de_DE": "Europe/Berlin",
        "fr_FR": "Europe/Paris",
    }
)
_REGION_SHARE = MappingProxyType({"JP": 0.35, "NA": 0.35, "EMEA": 0.30})


def build_users(rng: np.random.Generator, pools: dict[str, LocalePool], scale: int) -> pd.DataFrame:
    rows = []
    sales_total = max(6, scale // 700)
    support_total = max(3, scale // 1500)
    ext = 2001
    for team, total, block_start in (("sales", sales_total, 2001), ("support", support_total, 3001)):
        # Each team numbers from its block; a team too large for its block pushes the next to the next free
        # thousand, so an extension is never given twice (calls are attributed to agents by extension).
        ext = block_start if ext <= block_start else (ext + 998) // 1000 * 1000 + 1
        for region, share in _REGION_SHARE.items():
            count = max(2 if team == "sales" else 1, round(total * share))
            for _ in range(count):
                locale = _REGION_LOCALES[region][int(rng.integers(0, len(_REGION_LOCALES[region])))]
                pool = pools[locale]
                first_pool = pool.first_female if rng.random() < 0.5 else pool.first_male
                fi = int(rng.integers(0, len(first_pool.native)))
                li = int(rng.integers(0, len(pool.last.native)))
                german = locale == "de_DE"
                first_l = email_local(first_pool.latin[fi], german)
                last_l = email_local(pool.last.latin[li], german)
                japanese = locale == "ja_JP"
                full_name = (
                    f"{pool.last.native[li]} {first_pool.native[fi]}"
                    if japanese
                    else f"{first_pool.native[fi]} {pool.last.native[li]}"
                )
                rows.append(
                    {
                        "team": team,
                        "region": region,
                        "locale": locale,
                        "first_name": first_pool.native[fi],
                        "last_name": pool.last.native[li],
                        "first_name_latin": first_pool.latin[fi],
                        "last_name_latin": pool.last.latin[li],
                        "full_name": full_name,
                        "email_local": f"{first_l}.{last_l}",
                        "domain": COMPANY_DOMAIN_JP if japanese else COMPANY_DOMAIN,
                        "extension": str(ext),
                        "timezone": _LOCALE_TZ[locale],
                    }
                )
                ext += 1
    users = pd.DataFrame(rows)
    # the same first.last twice would share a mailbox: number the later ones
    rank = users.groupby(["email_local", "domain"]).cumcount()
    users["email_local"] = users["email_local"].where(
        rank == 0, users["email_local"] + (rank + 1).astype(str)
    )
    users["email"] = users["email_local"] + "@" + users["domain"]
    users.insert(0, "user_id", [f"U{i:04d}" for i in range(1, len(users) + 1)])
    return users.drop(columns=["email_local", "domain"])
