"""Shared by every test module."""

import pytest


@pytest.fixture(scope="session", autouse=True)
def dagster_home_of_the_session(tmp_path_factory):
    """`crm` commands record what they built in Dagster's instance (paths.dagster_home). A test that moves only the
    landing folder or the warehouse would otherwise record its test data in the developer's own instance
    (data/dagster_home); tests that move the data folder, or name a Dagster home, still decide for themselves."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CRM_PATHS_DAGSTER_HOME", str(tmp_path_factory.mktemp("dagster_home")))
        yield
