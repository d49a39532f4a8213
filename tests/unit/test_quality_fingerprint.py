"""The check hands Great Expectations whole tables as pandas frames; GX's fingerprint of each frame (a hash of every
value, for a batch marker the check never reads) is switched off (quality/run.py, _Validator)."""

from __future__ import annotations

from pathlib import Path

import duckdb


def test_frames_are_validated_without_hashing_every_value(tmp_path: Path, monkeypatch):
    from great_expectations.execution_engine import pandas_execution_engine

    from quality.run import _Validator
    from quality.suites import SuiteSpec

    hashed = []
    original = pandas_execution_engine.hash_pandas_dataframe
    monkeypatch.setattr(pandas_execution_engine, "hash_pandas_dataframe",
                        lambda frame: hashed.append(len(frame)) or original(frame))
    monkeypatch.setattr(pandas_execution_engine, "HASH_THRESHOLD", pandas_execution_engine.HASH_THRESHOLD)
    import great_expectations as gx

    con = duckdb.connect()
    con.execute("create table t as select 'k' || i as id from range(5) r(i)")
    spec = SuiteSpec(name="t", layer="staging", table="t", query="select id from t",
                     expectations=[gx.expectations.ExpectColumnValuesToBeUnique(column="id")])
    outcomes = _Validator(tmp_path / "quality").validate(con, spec)
    assert [o.success for o in outcomes] == [True]
    assert hashed == []
