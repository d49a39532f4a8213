"""Shared by every test module."""

import pytest


@pytest.fixture(scope="session", autouse=True)
def dagster_home_of_the_session(tmp_path_factory):
    """`crm` commands record what they built in Dagster's instance (paths.dagster_home). A test that moves only the
    landing folder or the warehouse would otherwise record its test data in the developer's own instance
    (data/dagster_home); tests that move the data folder, or name a Dagster home, still decide for themselves.

    Recording costs every command a few seconds (Dagster's imports, an event per asset), so it is off in tests
    except where it is what they check (`crm run` of the end-to-end pipeline, tests/*/test_dagster_record*.py),
    which turn it on with CRM_DAGSTER_RECORD_CLI_RUNS=true."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CRM_PATHS_DAGSTER_HOME", str(tmp_path_factory.mktemp("dagster_home")))
        patch.setenv("CRM_DAGSTER_RECORD_CLI_RUNS", "false")
        yield
