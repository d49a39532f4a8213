"""The erasure drill: build, forget one person known by an email only, and look for them everywhere, as bytes.

Whom to forget and what to look for are worked out here, not by `crm forget`: the generator's ground truth says
which records are the person's, and the person's emails, phones and names are read from those records' raw rows as
the sources wrote them (before the forget). The person chosen is one the identity step resolved exactly (its
cluster holds the same records as the ground truth), with a last name no one else carries anywhere, so a byte hit
can only be theirs. Then the original landing files are dropped in again and everything is rebuilt: the person must
stay gone, and the rows dropped on load (audit.loads.rows_suppressed) are exactly the records the forget removed
from the landing files, counted here by reading the files before and after.
"""

import csv
import io
import mailbox
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from common.settings import PROJECT_ROOT

# Marked slow: the drill builds, forgets, re-ingests and rebuilds (about 3.5 minutes).
pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CRM = str(Path(sys.executable).parent / "crm")
SALT = "drill-salt-not-a-real-secret"


def _crm(env: dict, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([CRM, *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def _pick_person(build_db: Path, truth_dir: Path) -> dict:
    con = duckdb.connect(str(build_db), read_only=True)
    con.execute(f"create temp view truth as select * from read_parquet('{truth_dir / 'records.parquet'}')")
    con.execute(f"create temp view people as select * from read_parquet('{truth_dir / 'people.parquet'}')")
    # Persons whose records the identity step put in one customer, no more and no fewer, with a phone and an email.
    candidates = con.execute("""
        with theirs as (select t.person_id, any_value(rc.customer_id) as customer_id, count(*) as records
                        from truth t left join identity.record_customers rc
                          on rc.record_type = t.record_type and rc.record_id = t.record_id
                        group by t.person_id
                        having count(distinct rc.customer_id) = 1 and count(rc.customer_id) = count(*)),
             clusters as (select customer_id, count(*) as records from identity.record_customers group by all)
        select p.person_id, t.customer_id, p.last_name, t.records
        from theirs t join clusters c on c.customer_id = t.customer_id and c.records = t.records
        join people p using (person_id)
        where p.phone_e164 is not null and length(p.last_name) >= 5
        order by t.records desc, p.person_id""").fetchall()
    def fits(person_id: str, last_name: str, records: int) -> bool:
        others = con.execute(
            """select count(*) from people where person_id <> ? and concat_ws(' ', first_name, last_name, company_name,
                   address, city, email, personal_email, work_email, first_name_latin, last_name_latin) ilike ?""",
            [person_id, f"%{last_name}%"]).fetchall()[0][0]
        contacts = con.execute("select count(*) from raw.sales__contacts where contact_id in (select record_id from "
                               "truth where person_id = ? and record_type = 'crm_contact')", [person_id]).fetchall()
        return others == 0 and contacts[0][0] > 0 and records >= 4

    chosen = [c for c in candidates if fits(c[0], c[2], c[3])]
    assert chosen, "no person the identity step resolved exactly"
    person_id, customer_id, _, records = chosen[0]
    record_ids = [r[0] for r in con.execute(
        "select record_id from truth where person_id = ?", [person_id]).fetchall()]
    contact = con.execute(
        "select email, email_normalized from raw.sales__contacts where contact_id in (select unnest(?::varchar[])) "
        "and email_normalized is not null limit 1", [record_ids]).fetchall()[0]
    # Their emails and phones as each source wrote them, and their names as written, from their raw rows.
    # The last name, no one else's; a first name alone is many people's.
    written = set(con.execute("select list(distinct v) from (select unnest([email, phone, last_name]) as v "
                              "from raw.sales__contacts where contact_id in (select unnest(?::varchar[])))",
                              [record_ids]).fetchall()[0][0])
    phone = con.execute("select phone_e164 from people where person_id = ?", [person_id]).fetchall()[0][0]
    emails = {contact[1]} | {r[0] for r in con.execute(
        "select unnest([email, personal_email, work_email]) from people where person_id = ?", [person_id]).fetchall()
        if r[0]}
    for table, value, key in (("raw.sales__orders", "customer_email", "order_id"),
                              ("raw.surveys__responses", "email", "response_id"),
                              ("raw.email__messages", "counterpart_address", "message_id")):
        written |= {r[0] for r in con.execute(f"select distinct {value} from {table} where {key} in "
                                              f"(select unnest(?::varchar[])) and {value} is not null",
                                              [record_ids]).fetchall()}
    # A call's other end is the company's line: only the person's own end, and the caller name when they called.
    for table, value, number in (("raw.phone__twilio_calls", '"from"', "from_e164"),
                                 ("raw.phone__twilio_calls", '"to"', "to_e164"),
                                 ("raw.phone__twilio_calls", "caller_name", "from_e164"),
                                 ("raw.phone__asterisk_cdr", "src", "src_e164")):
        written |= {r[0] for r in con.execute(f"select distinct {value} from {table} where {number} = ?",
                                              [phone]).fetchall() if r[0]}
    con.close()
    needles = {v for v in written | emails | {phone} if v and len(v) >= 5}
    return {"customer_id": customer_id, "email": contact[0], "needles": needles, "records": records}


def _hits(folder: Path, needles: set[str]) -> dict[str, list[str]]:
    # As UTF-8, and as Shift_JIS (the Japanese CRM's exports) where the text has a form in it.
    encoded = {n: {n.encode("utf-8"), *([n.encode("cp932")] if _works(lambda v: v.encode("cp932"), n) else [])}
               for n in needles}
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        hit = [n for n, forms in encoded.items() if any(f in data for f in forms)]
        if hit:
            found[str(path.relative_to(folder))] = hit
    return found


def _works(convert, value) -> bool:
    """Whether a text encodes (or bytes decode) in the codec `convert` uses."""
    try:
        convert(value)
    except UnicodeError:
        return False
    return True


def _records(path: Path) -> int:
    """Records in a landing file, read with the standard library as any consumer of the format would."""
    if path.suffix == ".mbox":
        return len(mailbox.mbox(str(path)))
    if path.suffix == ".csv":
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig") if _works(lambda v: v.decode("utf-8-sig"), raw) else raw.decode("cp932")
        return sum(1 for _ in csv.reader(io.StringIO(text, newline="")))
    return sum(1 for line in path.read_bytes().splitlines() if line.strip())


def _marts(build_db: Path) -> dict[str, tuple[list[str], bool]]:
    con = duckdb.connect(str(build_db), read_only=True)
    tables = {}
    for (table,) in con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall():
        columns = [r[0] for r in con.execute(f"describe marts.{table}").fetchall()]
        tables[table] = ([c for c in columns if not c.endswith(("built_at", "_loaded_at"))], "customer_id" in columns)
    con.close()
    return tables


@pytest.fixture(scope="module")
def drill(tmp_path_factory) -> dict:
    data = tmp_path_factory.mktemp("erasure")
    env = {**os.environ, "CRM_PATHS_DATA_DIR": str(data), "CRM_GENERATE_END_DATE": "2026-11-01",
           "CRM_DAGSTER_RECORD_CLI_RUNS": "false", "CRM_SUPPRESSION_SALT": SALT}
    _crm(env, "run", "--scale", "150", "--seed", "5")
    build_db = data / "warehouse" / "build.duckdb"
    # An as-of copy, as `crm build --as-of` leaves one: a copy of the build warehouse next to it.
    shutil.copyfile(build_db, data / "warehouse" / "as-of-2026-06-30.duckdb")
    person = _pick_person(build_db, data / "ground_truth")
    originals = tmp_path_factory.mktemp("originals")
    shutil.copytree(data / "landing", originals / "landing")
    shutil.copyfile(build_db, originals / "before.duckdb")
    before = _hits(data, person["needles"])
    forgotten = _crm(env, "forget", person["email"])
    after_forget = _hits(data, person["needles"])
    removed_from_landing = sum(_records(p) - _records(data / "landing" / p.relative_to(originals / "landing"))
                               for p in (originals / "landing").rglob("*")
                               if p.suffix in {".csv", ".mbox", ".jsonl"})
    marts_after_forget = _marts(build_db)
    marts_compared = _compare_marts(originals / "before.duckdb", build_db, marts_after_forget, person["customer_id"])
    rerun = _crm(env, "forget", person["email"])
    shutil.copytree(originals / "landing", data / "landing", dirs_exist_ok=True)
    _crm(env, "run", "--skip-generate")
    con = duckdb.connect(str(build_db), read_only=True)
    suppressed = con.execute("select sum(rows_suppressed) from audit.loads").fetchall()[0][0]
    erasures = con.execute("select command, identifier_hashes, removed from audit.erasures").fetchall()
    con.close()
    return {"person": person, "before": before, "after_forget": after_forget, "forgotten": forgotten.stdout,
            "rerun": rerun.stdout, "suppressed": suppressed,
            # The landing folder holds the original files dropped in again: everything else must stay clean.
            "after_rebuild": {p: n for p, n in _hits(data, person["needles"]).items() if not p.startswith("landing/")},
            "removed_from_landing": removed_from_landing, "marts": marts_compared, "erasures": erasures,
            "data": data}


def _compare_marts(before_db: Path, after_db: Path, tables: dict, customer_id: str) -> dict[str, tuple[int, int]]:
    """Per marts table: rows only before and rows only after, leaving out the erased customer's rows."""
    con = duckdb.connect()
    con.execute(f"attach '{before_db}' as before (read_only)")
    con.execute(f"attach '{after_db}' as after (read_only)")
    differences = {}
    for table, (columns, has_customer) in tables.items():
        select = ", ".join(f'"{c}"' for c in columns)
        where = " where customer_id is distinct from ?" if has_customer else ""
        parameters = [customer_id] if has_customer else []
        only_before = con.execute(f"select count(*) from (select {select} from before.marts.{table}{where} except all "
                                  f"select {select} from after.marts.{table}{where})", parameters * 2).fetchall()[0][0]
        only_after = con.execute(f"select count(*) from (select {select} from after.marts.{table}{where} except all "
                                 f"select {select} from before.marts.{table}{where})", parameters * 2).fetchall()[0][0]
        differences[table] = (only_before, only_after)
    con.close()
    return differences


def test_the_search_finds_them_before(drill):
    assert any(path.startswith("landing/") for path in drill["before"])
    assert drill["person"]["records"] >= 4


def test_no_file_names_them_after_the_forget(drill):
    assert drill["after_forget"] == {}
    assert "no file under the data or landing folder names them any more" in drill["forgotten"]


def test_every_other_customers_marts_are_unchanged(drill):
    assert {table: d for table, d in drill["marts"].items() if d != (0, 0)} == {}


def test_a_rerun_removes_nothing(drill):
    counts = [line.rsplit(": ", 1)[1] for line in drill["rerun"].splitlines() if line.endswith(" removed")]
    assert counts and all(c == "0 removed" for c in counts)


def test_the_original_files_again_bring_nobody_back(drill):
    assert drill["after_rebuild"] == {}
    assert drill["suppressed"] == drill["removed_from_landing"] > 0


def test_the_erasure_log_holds_no_personal_data(drill):
    assert len(drill["erasures"]) == 2
    logged = repr(drill["erasures"])
    assert not [n for n in drill["person"]["needles"] if n in logged]
    assert SALT not in logged
