"""Clerical review: a person's decisions on possible matches, kept in the landing zone and honoured by every build.

The match model sends pairs it is not sure of (match probability between `identity.review_threshold` and
`identity.match_threshold`) to review, with each field's contribution (identity.match_pairs; `crm identity review`
and the Customer 360 page show them). A reviewer decides:

- `same`: the two records are one person; they are joined whatever the model says.
- `different`: they are two people; no model link joins them, directly or through other records (identity/resolve.py
  keeps them apart). Records sharing an identifier (an email, a phone, an id) cannot be kept apart this way: the
  decision is reported as a conflict.

Decisions live in `<landing>/identity/review_decisions.csv` (columns `left_record, right_record, decision,
decided_by, decided_at, note`), a file a team can keep under version control or edit by hand; `crm identity review
--same/--different` appends to it. A record is named by its identity record key (`crm_contact:C123`); a bare id is
a CRM contact id. The latest decision on a pair wins. A row that cannot be read goes to audit.quarantine with its
reason, as a loader's would.
"""

from __future__ import annotations

import csv
import getpass
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

DECISION_COLUMNS = ("left_record", "right_record", "decision", "decided_by", "decided_at", "note")
DECISIONS = ("same", "different")
DECISIONS_TABLE = "identity.review_decisions"
SOURCE_NAME = "identity__review_decisions"


@dataclass(frozen=True)
class Decision:
    left_key: str
    right_key: str
    decision: str
    decided_by: str
    decided_at: str
    note: str
    line_number: int


def record_key(text: str) -> str:
    """`crm_contact:C1` as it is; a bare `C1` is a CRM contact id."""
    text = text.strip()
    return text if ":" in text else f"crm_contact:{text}"


def _ordered(left: str, right: str) -> tuple[str, str]:
    return (left, right) if left <= right else (right, left)


def read_decisions(path: Path) -> tuple[list[Decision], list[tuple[int, str, str]]]:
    """The file's decisions, the latest per pair, and the rows it could not read: (line, raw text, reason)."""
    if not path.exists():
        return [], []
    latest: dict[tuple[str, str], Decision] = {}
    problems: list[tuple[int, str, str]] = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ("left_record", "right_record", "decision") if c not in (reader.fieldnames or [])]
        if missing:
            return [], [(1, ",".join(reader.fieldnames or []), f"missing column(s): {', '.join(missing)}")]
        for row in reader:
            line = reader.line_num
            raw = ",".join(str(v) for v in row.values())
            left, right = (row.get("left_record") or "").strip(), (row.get("right_record") or "").strip()
            decision = (row.get("decision") or "").strip().lower()
            if not left or not right:
                problems.append((line, raw, "left_record and right_record must both name a record"))
            elif record_key(left) == record_key(right):
                problems.append((line, raw, "a record cannot be decided against itself"))
            elif decision not in DECISIONS:
                problems.append((line, raw, f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}"))
            else:
                pair = _ordered(record_key(left), record_key(right))
                latest[pair] = Decision(*pair, decision, (row.get("decided_by") or "").strip(),
                                        (row.get("decided_at") or "").strip(), (row.get("note") or "").strip(), line)
    return list(latest.values()), problems


def append_decision(path: Path, left: str, right: str, decision: str, note: str = "",
                    decided_by: str | None = None) -> Decision:
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}")
    left_key, right_key = _ordered(record_key(left), record_key(right))
    if left_key == right_key:
        raise ValueError("a record cannot be decided against itself")
    path.parent.mkdir(parents=True, exist_ok=True)
    new_file = not path.exists() or path.stat().st_size == 0
    decided_at = datetime.now(UTC).isoformat(timespec="seconds")
    who = decided_by or getpass.getuser()
    with path.open("a", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        if new_file:
            writer.writerow(DECISION_COLUMNS)
        writer.writerow([left_key, right_key, decision, who, decided_at, note])
    return Decision(left_key, right_key, decision, who, decided_at, note, 0)


def store_decisions(con: duckdb.DuckDBPyConnection, path: Path) -> list[Decision]:
    """Replace identity.review_decisions with the file's decisions (status filled in by resolve) and quarantine
    the rows it could not read. Returns the decisions."""
    decisions, problems = read_decisions(path)
    con.execute("create schema if not exists identity")
    con.execute(f"""create or replace table {DECISIONS_TABLE} (
                        left_key varchar, right_key varchar, decision varchar, decided_by varchar, decided_at varchar,
                        note varchar, line_number bigint, status varchar)""")
    if decisions:
        con.executemany(f"insert into {DECISIONS_TABLE} values (?, ?, ?, ?, ?, ?, ?, null)",
                        [[d.left_key, d.right_key, d.decision, d.decided_by, d.decided_at, d.note, d.line_number]
                         for d in decisions])
    if problems:
        from common.audit import ensure_audit_tables

        ensure_audit_tables(con)
        now = datetime.now(UTC)
        con.execute("delete from audit.quarantine where source = ?", [SOURCE_NAME])
        con.executemany(
            "insert into audit.quarantine values (?, ?, ?, ?, ?, ?, ?)",
            [[f"review-{now:%Y%m%dT%H%M%S}", SOURCE_NAME, str(path.name), line, raw, reason, now]
             for line, raw, reason in problems])
    return decisions
