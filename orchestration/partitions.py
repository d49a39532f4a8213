"""Daily partitions of the event sources, and which landing files a partition covers.

Ingestion is per file (one transaction, content-hash manifest), and the exports are files named for the period
they hold: `segment-2026-05.jsonl` (a month), `Master-2026-05-14.csv` (a day). A daily partition covers every
landing file whose period contains that day; a file with no date in its name covers the day it arrived (its
modification time, in the business time zone). Running a partition, or backfilling a range of them in one run,
loads the not-yet-loaded files covering those days: a month file is loaded by the first of its days to run, its
other days find it in the manifest and load nothing. A run without a partition (the daily full build) loads
every new file.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg

from ingestion.landing import LandingFile

# The event sources: high-volume, time-stamped, delivered as dated files.
EVENT_SOURCES = frozenset({"web__segment_events", "email__campaign_events", "phone__asterisk_cdr",
                           "phone__twilio_calls"})
_PERIOD_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(\d{2})(?:-(\d{2}))?(?!\d)")


def event_partitions(start: date, timezone: str) -> dg.DailyPartitionsDefinition:
    # end_offset=1: today's partition exists, so a file arriving today can be loaded as its own day.
    return dg.DailyPartitionsDefinition(start_date=start.isoformat(), timezone=timezone, end_offset=1)


def file_period(landing_file: LandingFile, timezone: str) -> tuple[date, date]:
    """First and last day a landing file holds data of, from its name, else the day it arrived."""
    match = _PERIOD_IN_NAME.search(landing_file.path.name)
    if match:
        year, month, day = int(match[1]), int(match[2]), match[3]
        if 1 <= month <= 12:
            if day is not None:
                try:
                    return (date(year, month, int(day)),) * 2
                except ValueError:
                    pass
            else:
                return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    arrived = datetime.fromtimestamp(landing_file.path.stat().st_mtime, ZoneInfo(timezone)).date()
    return arrived, arrived


def covers(landing_file: LandingFile, first_day: date, last_day: date, timezone: str) -> bool:
    """Whether a file holds data of any day from first_day to last_day."""
    start, end = file_period(landing_file, timezone)
    return start <= last_day and end >= first_day
