"""Column map YAML as written by a user: what each form means, and one-line errors for what it cannot mean."""

from pathlib import Path

import pytest

from ingestion.column_maps import ColumnMapError, ColumnSource, has_time_of_day, load_map


def _entity(tmp_path: Path, body: str, file_name: str = "m.yml"):
    path = tmp_path / file_name
    path.write_text("name: shop\nentities:\n  orders:\n" + "".join(f"    {line}\n" for line in body.splitlines()),
                    encoding="utf-8")
    return load_map(path)[0]


def test_each_form_of_a_column_source(tmp_path: Path):
    columns = _entity(tmp_path, """columns:
  contact_id: customer
  address: [street_number, street]
  city: {join: [suburb, state], separator: ", "}
  phone: {first_of: [mobile, home]}
  currency: {value: USD}""").columns
    assert columns["contact_id"] == ColumnSource(("customer",))
    assert columns["address"] == ColumnSource(("street_number", "street"), joined=True, separator=" ")
    assert columns["city"] == ColumnSource(("suburb", "state"), joined=True, separator=", ")
    assert columns["phone"] == ColumnSource(("mobile", "home"), joined=False)
    assert columns["currency"] == ColumnSource(constant="USD")


def test_every_value_stays_the_text_written(tmp_path: Path):
    """YAML 1.1 reads yes/no/on/off as booleans and 01 / 1.0 as numbers; a map means the text."""
    source = _entity(tmp_path, """columns:
  marketing_consent: {column: opted, true_values: [yes, on, Y], false_values: [no, off, N]}
  lifecycle_stage: {column: stage, values: {01: lead, 1.0: customer, true: x}}
  country: {value: no}""").columns
    assert source["marketing_consent"].true_values == ("yes", "on", "Y")
    assert source["marketing_consent"].false_values == ("no", "off", "N")
    assert source["lifecycle_stage"].values == (("01", "lead"), ("1.0", "customer"), ("true", "x"))
    assert source["country"].constant == "no"  # Norway, not False


def test_file_options_of_an_order_log_without_a_header(tmp_path: Path):
    entity_map = _entity(tmp_path, """header: false
file_columns: [customer_id, date, quantity, spend]
delimiter: whitespace
timezone: America/New_York
columns:
  contact_id: customer_id""")
    assert (entity_map.header, entity_map.file_columns, entity_map.delimiter, entity_map.timezone) == (
        False, ("customer_id", "date", "quantity", "spend"), "whitespace", "America/New_York")
    assert not entity_map.fits(["customer_id", "date"])  # a file without a header is read by name, never by header


def test_the_fingerprint_follows_the_definition_not_its_layout(tmp_path: Path):
    one = _entity(tmp_path, "columns:\n  contact_id: customer\n  currency: {value: USD}", "a.yml")
    same = _entity(tmp_path, "# a comment\ncolumns:\n  currency:\n    value: USD\n  contact_id: customer", "b.yml")
    changed = _entity(tmp_path, "columns:\n  contact_id: customer\n  currency: {value: EUR}", "c.yml")
    assert one.fingerprint == same.fingerprint != changed.fingerprint


@pytest.mark.parametrize(("date_format", "timed"), [
    ("%Y%m%d", False), ("%d/%m/%Y", False), ("%Y-%m-%d", False), ("%d%%%m", False),
    ("%m/%d/%Y %I:%M %p", True), ("%Y-%m-%dT%H:%M:%S.%gZ", True), ("%Y-%m-%d %H:%M", True),
])
def test_a_format_without_a_time_of_day_describes_a_date_alone(date_format: str, timed: bool):
    assert has_time_of_day(date_format) is timed


@pytest.mark.parametrize(("body", "message"), [
    ("timezone: America/NewYork\ncolumns:\n  contact_id: c", "unknown time zone 'America/NewYork'"),
    ("columns:\n  phone: {column: [a, b]}", "for several write {first_of: [a, b]}"),
    ("columns:\n  currency: {value: USD, column: c}", "exactly one of column, first_of, join, value"),
    ("columns:\n  phone: {first_of: [a, b], separator: ','}", "`separator` goes with `join`"),
    ("columns:\n  marketing_consent: {column: c, true_value: [y]}", "unknown key(s) true_value"),
    ("header: false\ncolumns:\n  contact_id: c", "needs file_columns"),
    ("header: maybe\nfile_columns: [c]\ncolumns:\n  contact_id: c", "header must be true or false"),
    ("file_columns: [c]\ncolumns:\n  contact_id: c", "add `header: false`"),
    ("header: false\nfile_columns: [c]\ndelimiter: ';;'\ncolumns:\n  contact_id: c", "delimiter must be one character"),
    ("colums:\n  contact_id: c", "unknown key(s) colums"),
])
def test_what_a_map_cannot_mean_is_a_one_line_error(tmp_path: Path, body: str, message: str):
    with pytest.raises(ColumnMapError) as raised:
        _entity(tmp_path, body)
    assert message in str(raised.value) and "\n" not in str(raised.value)


@pytest.mark.parametrize(("project_column", "written", "expected"), [
    ("date_of_birth", "27/06/1977", "1977-06-27"),
    ("date_of_birth", "27/13/1977", "1977-13-27"),   # impossible, kept in year-month-day order for identity
    ("date_of_birth", "7/6/1977", "1977-06-07"),
    ("date_of_birth", "someday", "someday"),         # no date's shape: kept as written
    ("order_date", "27/13/1977", "27/13/1977"),      # kept as written: the date check quarantines it, showing it
])
def test_a_date_no_format_parses_keeps_its_parts_in_order_only_for_a_date_of_birth(project_column, written,
                                                                                   expected):
    import duckdb

    from ingestion.column_maps import column_sql

    sql = column_sql(ColumnSource(("d",), formats=("%d/%m/%Y",)), {"d"}, project_column)
    assert duckdb.execute(f"select {sql} from (select ?::varchar as d)", [written]).fetchall() == [(expected,)]
