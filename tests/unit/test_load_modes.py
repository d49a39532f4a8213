"""Load modes: declared on each source spec, read by the loader and passed to dbt's staging models."""

import pytest

from ingestion.sources import LoadMode, declared_load_modes


def test_contacts_replace_by_key_with_the_latest_update_first():
    assert declared_load_modes()["sales__contacts"] == LoadMode(
        "replace_by_key", ("contact_id",), newest_first="updated_at desc nulls last")


@pytest.mark.parametrize("mode, key", [("upsert", ("id",)), ("append", ())])
def test_a_load_mode_needs_a_known_mode_and_a_key(mode, key):
    with pytest.raises(ValueError, match=r"append \| replace_by_key"):
        LoadMode(mode, key)
