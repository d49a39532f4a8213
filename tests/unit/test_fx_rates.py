"""The FX check's one line: the currencies and months without a rate, as ranges, and how to add them."""

from datetime import date
from pathlib import Path

from orchestration.fx_rates import missing_rates_message, month_ranges


def _months(first: date, count: int) -> list[date]:
    return [date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1) for i in range(count)]


def test_consecutive_months_become_one_range_across_years():
    eighteen = _months(date(1997, 1, 1), 18)
    assert eighteen[-1] == date(1998, 6, 1)
    assert month_ranges(eighteen) == ["1997-01..1998-06"]
    assert month_ranges([date(1998, 3, 1), date(1997, 12, 1), date(1998, 1, 1), date(1997, 12, 1)]) == [
        "1997-12..1998-01", "1998-03"]


def test_the_message_names_each_currency_and_its_ranges_on_one_line():
    rows = [("EUR", month, 2) for month in _months(date(1997, 1, 1), 18)]
    rows += [("JPY", date(1997, 2, 1), 1), ("JPY", date(1997, 4, 1), 1), ("JPY", date(1997, 5, 1), 3)]
    message = missing_rates_message(rows, Path("/srv/landing"))
    assert message.startswith("no FX rate for EUR 1997-01..1998-06, JPY 1997-02 1997-04..1997-05 (41 amount(s)")
    assert "/srv/landing/reference/" in message and "fx_rates*.csv" in message
    assert "rate_month,currency,units_per_usd" in message and "crm ingest" in message
    assert "\n" not in message


def test_no_message_when_every_month_has_a_rate():
    assert missing_rates_message([], Path("/srv/landing")) is None
