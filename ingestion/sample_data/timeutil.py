"""Time helpers: window, time-zone offsets, business hours and the timestamp renderings of the sources.

All simulation times are int64 seconds (or milliseconds where stated) since the Unix epoch, in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

from .config import WINDOW_DAYS, WINDOW_MARGIN_S
from .ids import zpad

DAY = 86400
HOUR = 3600
YEAR = 365.25 * DAY
_WEEKDAYS = np.array(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], dtype=object)
_MONTHS = np.array(
    ["", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], dtype=object
)


@dataclass(frozen=True)
class Window:
    """The data window ``[end_date - 730 days, end_date)`` with a safety margin for local renderings."""

    start_date: date
    end_date: date

    @classmethod
    def ending(cls, end_date: date) -> Window:
        return cls(end_date - timedelta(days=WINDOW_DAYS), end_date)

    @property
    def start(self) -> int:
        return epoch(self.start_date)

    @property
    def end(self) -> int:
        return epoch(self.end_date)

    @property
    def lo(self) -> int:
        """First usable second (inclusive)."""
        return self.start + WINDOW_MARGIN_S

    @property
    def hi(self) -> int:
        """Last usable second (exclusive)."""
        return self.end - WINDOW_MARGIN_S

    def inside(self, ts: np.ndarray) -> np.ndarray:
        return (ts >= self.lo) & (ts < self.hi)


def epoch(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp())


def tz_offsets(utc_s: np.ndarray, tz_names: np.ndarray) -> np.ndarray:
    """UTC offset in seconds of each instant in its time zone."""
    utc_s = np.asarray(utc_s, dtype=np.int64)
    tz_names = np.asarray(tz_names, dtype=object)
    out = np.zeros(len(utc_s), dtype=np.int64)
    for tz in pd.unique(tz_names):
        idx = np.flatnonzero(tz_names == tz)
        if tz == "UTC":
            continue
        dti = pd.DatetimeIndex(pd.to_datetime(utc_s[idx], unit="s", utc=True)).tz_convert(tz)
        local = dti.tz_localize(None).values.astype("datetime64[s]").astype(np.int64)
        out[idx] = local - utc_s[idx]
    return out


def single_tz_offsets(utc_s: np.ndarray, tz: str) -> np.ndarray:
    return tz_offsets(utc_s, np.full(len(utc_s), tz, dtype=object))


def local_to_utc(local_s: np.ndarray, tz_names: np.ndarray) -> np.ndarray:
    """Wall-clock seconds (naive, in each zone) -> UTC seconds (two fixed-point passes, DST-safe enough)."""
    local_s = np.asarray(local_s, dtype=np.int64)
    guess = local_s - tz_offsets(local_s, tz_names)
    return local_s - tz_offsets(guess, tz_names)


def weekday(local_s: np.ndarray) -> np.ndarray:
    """Monday=0 ... Sunday=6 of wall-clock seconds."""
    return ((np.asarray(local_s) // DAY) + 3) % 7


def business_time_on_day(
    anchor_utc: np.ndarray,
    tz_names: np.ndarray,
    rng: np.random.Generator,
    start_hour: float = 9.0,
    end_hour: float = 18.0,
) -> np.ndarray:
    """A random working-hours instant on the (next working) local day of each anchor."""
    anchor_utc = np.asarray(anchor_utc, dtype=np.int64)
    local = anchor_utc + tz_offsets(anchor_utc, tz_names)
    day = local // DAY * DAY
    wd = weekday(day)
    day = day + np.where(wd == 5, 2 * DAY, np.where(wd == 6, DAY, 0))
    secs = rng.uniform(start_hour * HOUR, end_hour * HOUR, size=len(anchor_utc)).astype(np.int64)
    return local_to_utc(day + secs, tz_names)


def snap_to_business_hours(
    utc: np.ndarray, tz_names: np.ndarray, rng: np.random.Generator, start_hour: int = 9, end_hour: int = 18
) -> np.ndarray:
    """Move instants outside local working hours to the next working morning (plus a short random lag)."""
    utc = np.asarray(utc, dtype=np.int64)
    local = utc + tz_offsets(utc, tz_names)
    day = local // DAY * DAY
    sec = local - day
    wd = weekday(day)
    ok = (wd < 5) & (sec >= start_hour * HOUR) & (sec < end_hour * HOUR)
    next_day = np.where(sec >= start_hour * HOUR, day + DAY, day)
    nwd = weekday(next_day)
    next_day = next_day + np.where(nwd == 5, 2 * DAY, np.where(nwd == 6, DAY, 0))
    lag = rng.exponential(45 * 60, size=len(utc)).astype(np.int64)
    moved = local_to_utc(next_day + start_hour * HOUR + lag, tz_names)
    return np.where(ok, utc, np.maximum(moved, utc))


def month_keys(utc_s: np.ndarray) -> np.ndarray:
    """'YYYY-MM' of each UTC instant."""
    return np.datetime_as_string(np.asarray(utc_s, dtype="datetime64[s]"), unit="M").astype(object)


def iso_seconds(utc_s: np.ndarray, sep: str = " ") -> np.ndarray:
    """'YYYY-MM-DD HH:MM:SS' (or with 'T')."""
    if len(utc_s) == 0:
        return np.array([], dtype=object)
    s = np.datetime_as_string(np.asarray(utc_s, dtype=np.int64).astype("datetime64[s]"), unit="s")
    if sep != "T":
        s = np.char.replace(s, "T", sep)
    return s.astype(object)


def iso_date(utc_s: np.ndarray) -> np.ndarray:
    if len(utc_s) == 0:
        return np.array([], dtype=object)
    return np.datetime_as_string(np.asarray(utc_s, dtype=np.int64).astype("datetime64[s]"), unit="D").astype(
        object
    )


def jp_minutes(utc_s: np.ndarray) -> np.ndarray:
    """Japan time 'YYYY/MM/DD HH:MM' (JST has no DST)."""
    if len(utc_s) == 0:
        return np.array([], dtype=object)
    local = np.asarray(utc_s, dtype=np.int64) + 9 * HOUR
    s = np.datetime_as_string(local.astype("datetime64[s]"), unit="m")
    return np.char.replace(np.char.replace(s, "-", "/"), "T", " ").astype(object)


def jp_date(utc_s: np.ndarray) -> np.ndarray:
    if len(utc_s) == 0:
        return np.array([], dtype=object)
    local = np.asarray(utc_s, dtype=np.int64) + 9 * HOUR
    s = np.datetime_as_string(local.astype("datetime64[s]"), unit="D")
    return np.char.replace(s, "-", "/").astype(object)


def rfc2822(utc_s: np.ndarray, offsets_s: np.ndarray | None = None) -> np.ndarray:
    """'Sat, 01 Nov 2025 12:34:56 +0900' (local time of the given offsets; +0000 when omitted)."""
    if len(utc_s) == 0:
        return np.array([], dtype=object)
    utc_s = np.asarray(utc_s, dtype=np.int64)
    off = np.zeros(len(utc_s), dtype=np.int64) if offsets_s is None else np.asarray(offsets_s, dtype=np.int64)
    local = utc_s + off
    iso = pd.Series(np.datetime_as_string(local.astype("datetime64[s]"), unit="s"), dtype=object)
    wd = pd.Series(_WEEKDAYS[weekday(local)])
    mon = pd.Series(_MONTHS[iso.str[5:7].astype(int).to_numpy()])
    sign = np.where(off < 0, "-", "+")
    mins = np.abs(off) // 60
    tz = (
        pd.Series(sign, dtype=object)
        + pd.Series(zpad(mins // 60, 2), dtype=object)
        + pd.Series(zpad(mins % 60, 2), dtype=object)
    )
    out = wd + ", " + iso.str[8:10] + " " + mon + " " + iso.str[0:4] + " " + iso.str[11:19] + " " + tz
    return out.to_numpy(dtype=object)


def asctime_utc(utc_s: int) -> str:
    """mbox 'From ' line date: 'Sat Nov  1 12:34:56 2025'."""
    return datetime.fromtimestamp(int(utc_s), tz=UTC).strftime("%a %b %e %H:%M:%S %Y")


def growth_times(rng: np.random.Generator, n: int, lo: int, hi: int, growth: float) -> np.ndarray:
    """Instants in [lo, hi) with a density rising linearly from 1 to 1 + growth."""
    u = rng.random(n)
    # inverse CDF of the density (1 + g x) / (1 + g/2) on [0, 1]
    x = u if growth <= 0 else (-1 + np.sqrt(1 + growth * (2 + growth) * u)) / growth
    return (lo + x * (hi - lo)).astype(np.int64)
