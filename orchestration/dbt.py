"""Running dbt as a subprocess, with the settings from crm.toml as its vars.

A subprocess (not dbt's in-process runner) so the DuckDB file is closed when dbt is done and the
next step — identity resolution, publishing — can open it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common.consent import GRANTED_WORDS, PURPOSES, WITHDRAWN_WORDS
from common.processes import ends_with_parent
from common.settings import Settings
from ingestion.sources import declared_load_modes
from orchestration.errors import CrmError, WarehouseLocked

log = logging.getLogger(__name__)


# dbt's unit tests check the models' logic on fixed, hand-computed inputs: they say nothing about the user's data,
# so a build (`crm build`, Dagster's dbt assets) does not run them — they took about a third of a small build's dbt
# time. `crm unit-tests` and the test suite run them; dbt's own advice for production is the same.
NO_UNIT_TESTS = ["--exclude-resource-type", "unit_test"]


def dbt_executable() -> str:
    beside_python = Path(sys.executable).parent / "dbt"
    return str(beside_python) if beside_python.exists() else (shutil.which("dbt") or "dbt")


def dbt_vars(settings: Settings) -> dict[str, Any]:
    """Every var the dbt project reads, from crm.toml and the build's run-time values. Every dbt invocation gets
    them (`dbt_vars_args`), so dbt_project.yml holds no second copy of a setting."""
    return {
        "reporting_currency": settings.reporting_currency,
        "business_timezone": settings.business_timezone,
        "crm_instance_timezones": list(settings.crm_instance_timezones),
        "crm_default_timezone": settings.crm_default_timezone,
        "pbx_timezone": settings.pbx_timezone,
        "company_domains": list(settings.company_domains),
        "shared_mailbox_local_parts": list(settings.shared_mailbox_local_parts),
        "placeholder_values": list(settings.placeholder_values),
        "max_contacts_per_identifier": settings.max_contacts_per_identifier,
        "segments": {
            "premium_min_frequency_score": settings.segment_premium_min_frequency_score,
            "premium_min_monetary_score": settings.segment_premium_min_monetary_score,
            "loyal_min_frequency_score": settings.segment_loyal_min_frequency_score,
            "loyal_max_monetary_score": settings.segment_loyal_max_monetary_score,
            "prospect_engagement_days": settings.segment_prospect_engagement_days,
            "company_size_bands": list(settings.company_size_bands),
        },
        "raw_load_modes": {
            table: {"load_mode": mode.mode, "key": list(mode.key),
                    **({"newest_first": mode.newest_first} if mode.newest_first else {})}
            for table, mode in declared_load_modes().items()
        },
        "as_of": settings.as_of.isoformat() if settings.as_of else "",
        "incremental_lookback_days": settings.incremental_lookback_days,
        "kpi_baseline_start": settings.kpi_baseline_start.isoformat(),
        "kpi_baseline_end": settings.kpi_baseline_end.isoformat(),
        "goal_at_risk_tolerance": settings.goal_at_risk_tolerance,
        "churn_inactivity_days": settings.churn_inactivity_days,
        "churn_min_gaps_to_learn": settings.churn_min_gaps_to_learn,
        "attribution_window_days": settings.attribution_window_days,
        "funnel_conversion_window_days": settings.funnel_conversion_window_days,
        "company_recent_touches_kept": settings.company_recent_touches_kept,
        "stalled_after_days": settings.stalled_after_days,
        "decision_maker_title_words": list(settings.decision_maker_title_words),
        "decision_maker_title_substrings": list(settings.decision_maker_title_substrings),
        "ticket_resolution_quiet_days": settings.ticket_resolution_quiet_days,
        "support_call_retry_hours": settings.support_call_retry_hours,
        "csat_satisfied_min_score": settings.csat_satisfied_min_score,
        "hot_lead_window_days": settings.hot_lead_window_days,
        "hot_lead_contact_hours": settings.hot_lead_contact_hours,
        "hot_lead_page_words": list(settings.hot_lead_page_words),
        "lead_score_hot_min": settings.lead_score_hot_min,
        "lead_score_warm_min": settings.lead_score_warm_min,
        "at_risk_watch_value_tiers": list(settings.at_risk_watch_value_tiers),
        "at_risk_watch_segments": list(settings.at_risk_watch_segments),
        "rfm_segment_health_order": list(settings.rfm_segment_health_order),
        "consent": {
            **settings.consent,
            "purposes": list(PURPOSES),
            "granted_words": list(GRANTED_WORDS),
            "withdrawn_words": list(WITHDRAWN_WORDS),
        },
    }


def dbt_vars_args(settings: Settings) -> list[str]:
    """dbt's `--vars` option with `dbt_vars` (JSON is YAML, which --vars reads)."""
    return ["--vars", json.dumps(dbt_vars(settings))]


def run_dbt(
    settings: Settings,
    args: list[str],
    on_line: Callable[[str], None] | None = None,
) -> None:
    """Run `dbt <args>` on the project; raise CrmError with dbt's own error line on failure.

    dbt runs in the warehouse's folder and opens it by its file name: dbt re-parses the whole project (about 7 s)
    whenever the profile differs from the last parse, and the path is part of the profile, so absolute paths made
    every build of another warehouse (each test's, each data folder's) pay for a full parse. Relative, every
    `build.duckdb` has the same profile and reuses the last parse.
    """
    env = {**os.environ, **settings.dbt_env(), "DBT_PROJECT_DIR": str(settings.dbt_project_dir),
           "CRM_BUILD_DB": settings.build_db.name}
    settings.build_db.parent.mkdir(parents=True, exist_ok=True)  # a fresh clone has no warehouse folder yet
    command = [dbt_executable(), *args]
    log.info("running %s with the vars from crm.toml", " ".join(command))
    process = subprocess.Popen(
        [*command, *dbt_vars_args(settings)], cwd=settings.build_db.parent, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, **ends_with_parent(),
    )
    problems: list[str] = []
    last_line, lines_after_problem = "", 0
    assert process.stdout is not None
    for line in process.stdout:
        line = line.rstrip()
        last_line = line or last_line
        if on_line:
            on_line(line)
        if "Error in " in line or "Failure in " in line or "lock" in line.lower():
            problems.append(line.strip())
            lines_after_problem = 0
        elif problems and lines_after_problem < 2 and line.strip():
            problems.append(line.strip())  # the message under the "Error in model …" line
            lines_after_problem += 1
    if process.wait() != 0:
        text = " ".join(problems)
        if "Could not set lock" in text or "Conflicting lock" in text:
            raise WarehouseLocked(f"{settings.build_db} is locked by another process: wait for it to finish")
        reason = " — ".join(p for p in problems[:4] if "Failure in" not in p) if problems else last_line
        raise CrmError(f"dbt {args[0]} failed: {reason}")


def ensure_manifest(settings: Settings) -> Path:
    """The dbt manifest Dagster loads its assets from; parse the project if there is none yet (fresh clone)."""
    manifest = settings.dbt_project_dir / "target" / "manifest.json"
    if not manifest.exists():
        run_dbt(settings, ["parse", "--quiet"])
    return manifest


@dataclass(frozen=True)
class DbtNodeBuilt:
    """A model or seed a dbt invocation built."""

    unique_id: str  # model.customer360.dim_customers
    seconds: float


def nodes_built(settings: Settings, since: float) -> list[DbtNodeBuilt]:
    """The models and seeds the latest dbt invocation built successfully, from its run_results.json — none if that
    file is older than `since` (a time.time()): dbt stopped before running anything (a compilation error)."""
    results_file = settings.dbt_project_dir / "target" / "run_results.json"
    if not results_file.exists() or results_file.stat().st_mtime < since:
        return []
    results = json.loads(results_file.read_text(encoding="utf-8"))["results"]
    return [DbtNodeBuilt(r["unique_id"], r["execution_time"]) for r in results
            if r["unique_id"].split(".")[0] in {"model", "seed"} and r["status"] == "success"]
