"""Survey tool export: ``surveys/responses.csv``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..timeutil import iso_seconds
from .common import write_csv

SURVEY_COLUMNS = (
    "response_id",
    "survey_type",
    "email",
    "contact_id",
    "submitted_at",
    "score",
    "comment",
    "channel",
    "ticket_ref",
)


def write_surveys(responses: pd.DataFrame, surveys_dir: Path) -> dict[str, int]:
    df = responses.copy()
    df["submitted_at"] = iso_seconds(df["submitted_at"].to_numpy())
    return {"responses.csv": write_csv(df[list(SURVEY_COLUMNS)], surveys_dir / "responses.csv", append=True)}
