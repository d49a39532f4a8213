"""Phone logs: Asterisk ``cdr_csv`` Master.csv (sales PBX) and the Twilio call log (support line)."""

from __future__ import annotations

import csv
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from ..config import COUNTRY_CALLING_CODE, PBX_TIMEZONE, TWILIO_ACCOUNT_SID
from ..ids import IdCounter, hex_tokens
from ..phones import e164, international_spaced
from ..timeutil import iso_seconds, month_keys, rfc2822, single_tz_offsets
from .common import write_csv

ASTERISK_COLUMNS = (
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
    "uniqueid",
    "userfield",
)
TWILIO_COLUMNS = (
    "sid",
    "account_sid",
    "from",
    "to",
    "from_formatted",
    "to_formatted",
    "direction",
    "status",
    "start_time",
    "end_time",
    "duration",
    "price",
    "price_unit",
    "caller_name",
)
# the support line's numbers per region (E.164 country, national significant number)
SUPPORT_NUMBERS = MappingProxyType(
    {"JP": ("JP", "5031234567"), "NA": ("US", "8885550123"), "EMEA": ("GB", "2038076543")}
)
_PRICE_PER_MIN = MappingProxyType({"inbound": 0.0085, "outbound-api": 0.014, "outbound-dial": 0.014})


def _pbx_dialled(country: np.ndarray, nsn: np.ndarray) -> np.ndarray:
    """What a rep keys on the Tokyo PBX: national number for Japan, 010 + country code otherwise."""
    cc = pd.Series(country, dtype=object).map(dict(COUNTRY_CALLING_CODE)).to_numpy(dtype=object)
    return np.where(country == "JP", "0" + nsn, "010" + cc + nsn)


def _carrier_caller_id(country: np.ndarray, nsn: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Caller number as a Japanese carrier delivers it: national for Japan, +cc or 010 cc for the others."""
    cc = pd.Series(country, dtype=object).map(dict(COUNTRY_CALLING_CODE)).to_numpy(dtype=object)
    plus = rng.random(len(nsn)) < 0.6
    return np.where(country == "JP", "0" + nsn, np.where(plus, "+" + cc + nsn, "010" + cc + nsn))


def asterisk_rows(
    calls: pd.DataFrame,
    people: pd.DataFrame,
    users: pd.DataFrame,
    rng: np.random.Generator,
    ids: IdCounter | None = None,
) -> pd.DataFrame:
    n = len(calls)
    p = calls["person_idx"].to_numpy()
    u = calls["user_idx"].to_numpy()
    country = people["country"].to_numpy(dtype=object)[p]
    nsn = people["phone_nsn"].to_numpy(dtype=object)[p]
    ext = users["extension"].to_numpy(dtype=object)[u]
    inbound = calls["inbound"].to_numpy(dtype=bool)
    ext_ch = "SIP/" + ext + "-" + hex_tokens(rng, n, 8)
    trunk_ch = "SIP/voip-trunk-" + hex_tokens(rng, n, 8)
    dialled = _pbx_dialled(country, nsn)
    caller = _carrier_caller_id(country, nsn, rng)
    rep_name = (users["first_name_latin"] + " " + users["last_name_latin"]).to_numpy(dtype=object)[u]
    src = np.where(inbound, caller, ext)
    dst = np.where(inbound, ext, dialled)
    clid = np.where(inbound, '"' + caller + '" <' + caller + ">", '"' + rep_name + '" <' + ext + ">")
    start = calls["start"].to_numpy(dtype=np.int64)
    ring = calls["ring_s"].to_numpy(dtype=np.int64)
    talk = calls["talk_s"].to_numpy(dtype=np.int64)
    answered = calls["disposition"].to_numpy(dtype=object) == "ANSWERED"
    answer = start + ring
    end = np.where(answered, answer + talk, start + ring)
    off = single_tz_offsets(start, PBX_TIMEZONE)
    off_end = single_tz_offsets(end, PBX_TIMEZONE)
    # the uniqueid's sequence number keeps counting across chunks of the population (generator.py)
    first = (ids or IdCounter()).take("asterisk", n)
    seq = np.arange(first, first + n)
    return pd.DataFrame(
        {
            "accountcode": "",
            "src": src,
            "dst": dst,
            "dcontext": np.where(inbound, "from-trunk", "from-internal"),
            "clid": clid,
            "channel": np.where(inbound, trunk_ch, ext_ch),
            "dstchannel": np.where(inbound, ext_ch, trunk_ch),
            "lastapp": "Dial",
            "lastdata": np.where(inbound, "SIP/" + ext + ",30,tT", "SIP/voip-trunk/" + dialled + ",60,tT"),
            "start": iso_seconds(start + off),
            "answer": np.where(answered, iso_seconds(answer + single_tz_offsets(answer, PBX_TIMEZONE)), ""),
            "end": iso_seconds(end + off_end),
            "duration": (end - start).astype(str),
            "billsec": np.where(answered, end - answer, 0).astype(str),
            "disposition": calls["disposition"].to_numpy(dtype=object),
            "amaflags": "DOCUMENTATION",
            "uniqueid": start.astype(str).astype(object) + "." + seq.astype(str).astype(object),
            "userfield": "",
            "month": month_keys(start + off),
            "person_idx": p,
        }
    )


def twilio_rows(calls: pd.DataFrame, people: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    p = calls["person_idx"].to_numpy()
    country = people["country"].to_numpy(dtype=object)[p]
    nsn = people["phone_nsn"].to_numpy(dtype=object)[p]
    region = people["region"].to_numpy(dtype=object)[p]
    sup_c = np.array([SUPPORT_NUMBERS[r][0] for r in region], dtype=object)
    sup_n = np.array([SUPPORT_NUMBERS[r][1] for r in region], dtype=object)
    cust_e164 = e164(country, nsn)
    sup_e164 = e164(sup_c, sup_n)
    cust_fmt = international_spaced(country, nsn)
    sup_fmt = international_spaced(sup_c, sup_n)
    inbound = calls["direction"].to_numpy(dtype=object) == "inbound"
    start = calls["start"].to_numpy(dtype=np.int64)
    duration = calls["duration"].to_numpy(dtype=np.int64)
    end = start + calls["ring_s"].to_numpy(dtype=np.int64) + duration
    completed = calls["status"].to_numpy(dtype=object) == "completed"
    rate = calls["direction"].map(_PRICE_PER_MIN).to_numpy(dtype=float)
    price = -np.ceil(duration / 60) * rate
    us = country == "US"
    cnam = (people["last_name_latin"].str.upper() + " " + people["first_name_latin"].str.upper()).to_numpy(
        dtype=object
    )[p]
    caller_name = np.where(inbound & us & (rng.random(len(p)) < 0.5), cnam, "")
    return pd.DataFrame(
        {
            "sid": calls["sid"].to_numpy(dtype=object),
            "account_sid": TWILIO_ACCOUNT_SID,
            "from": np.where(inbound, cust_e164, sup_e164),
            "to": np.where(inbound, sup_e164, cust_e164),
            "from_formatted": np.where(inbound, cust_fmt, sup_fmt),
            "to_formatted": np.where(inbound, sup_fmt, cust_fmt),
            "direction": calls["direction"].to_numpy(dtype=object),
            "status": calls["status"].to_numpy(dtype=object),
            "start_time": rfc2822(start),
            "end_time": rfc2822(end),
            "duration": duration.astype(str),
            "price": np.where(completed, [f"{x:.5f}" for x in price], ""),
            "price_unit": "USD",
            "caller_name": caller_name,
            "month": month_keys(start),
            "person_idx": p,
        }
    )


def write_phone(asterisk: pd.DataFrame, twilio: pd.DataFrame, phone_dir: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    ast_dir = phone_dir / "asterisk"
    ast_dir.mkdir(parents=True, exist_ok=True)
    for month, grp in asterisk.groupby("month", sort=True):
        name = f"Master-{month}.csv"
        counts[f"asterisk/{name}"] = write_csv(
            grp[list(ASTERISK_COLUMNS)], ast_dir / name, append=True, header=False, quoting=csv.QUOTE_ALL
        )
    tw_dir = phone_dir / "twilio"
    tw_dir.mkdir(parents=True, exist_ok=True)
    for month, grp in twilio.groupby("month", sort=True):
        name = f"calls-{month}.csv"
        counts[f"twilio/{name}"] = write_csv(grp[list(TWILIO_COLUMNS)], tw_dir / name, append=True)
    return counts
