"""Data health: whether a failed blocking check stopped publishing, the last load of each source, rows loaded and
quarantined, suppressed (people erased), the latest quality checks, builds and how fresh each source is.

Loads, checks, freshness and builds come from the health file, which operations rewrite after every check: when
the quality gate refuses a build, the serving file still holds the previous one and cannot tell why."""

import json

import streamlit as st

from dashboards.data import load, load_latest_audit
from dashboards.i18n import is_missing
from dashboards.queries import data_health as queries
from dashboards.queries import shared
from dashboards.ui import fmt, label, nothing_to_show, present, show_table, show_table_or_say_empty, t

st.title(t("page.data_health"))
f = fmt()
EXAMPLES_SHOWN = 5


def observed_text(observed) -> str:
    """What a check saw (Great Expectations' result as JSON), for reading: the value it observed, or how many values
    it did not expect with a few of them (an empty value named as such, not NaN)."""
    try:
        found = json.loads(observed)
    except (TypeError, ValueError):
        return present(observed)
    if not isinstance(found, dict):
        return str(observed)
    if "unexpected_count" in found:
        text = t("health.unexpected", count=f.number(found["unexpected_count"]),
                 percent=f.points(found.get("unexpected_percent")))
        examples = list(dict.fromkeys(t("health.empty_value") if is_missing(v) else str(v)
                                      for v in found.get("partial_unexpected_list") or []))
        return text + (": " + ", ".join(examples[:EXAMPLES_SHOWN]) if examples else "")
    if "observed_value" in found:
        value = found["observed_value"]
        if isinstance(value, list):
            return ", ".join(map(str, value))
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f.number(value, 0 if float(value).is_integer() else 2)
        return str(value)
    return str(observed)


# Before the publication: when nothing could be published, the failed check is the answer to "why not?".
blocking = load_latest_audit(queries.blocking_failures, optional=True)
published = load(shared.publication, optional=True)
if blocking is not None and len(blocking):
    st.error("\n\n".join(
        t("health.publishing_stopped" if published else "health.publishing_stopped_never_published",
          check=f"{failure.expectation}({present(failure.column_name, default='')})", table=failure.table_name,
          when=f.datetime(failure.checked_at), published=f.datetime((published or {}).get("published_at")))
        for failure in blocking.itertuples()))
if published is None:
    published = load(shared.publication)  # stops the page with what to do
if published:
    st.caption(t("common.published", when=f.datetime(published.get("published_at")),
                 build=str(published.get("build_id"))[:8]))

st.subheader(t("health.freshness"))
# Published by the operations checks, when configured.
freshness = load_latest_audit(queries.source_freshness, optional=True)
if freshness is None:
    st.info(t("health.freshness_not_configured"))
elif freshness.empty:
    nothing_to_show("health.freshness_empty")
else:
    late = int((freshness["status"] != "fresh").sum())
    (st.warning if late else st.success)(t("health.freshness_summary", late=late, sources=len(freshness)))
    show_table({
        t("health.source"): freshness["source"],
        t("health.family"): [label("family", v) for v in freshness["family"]],
        t("health.status"): [label("freshness", s) for s in freshness["status"]],
        t("health.last_loaded"): [f.datetime(v) for v in freshness["last_loaded_at"]],
        t("health.expected_every"): [f.number(v, 1) for v in freshness["expected_every_hours"]],
        t("health.due"): [f.datetime(v) for v in freshness["due_at"]],
    })

st.subheader(t("health.loads"))
loads = load_latest_audit(queries.loads_by_source)
if loads.empty:
    nothing_to_show("health.no_loads")
else:
    cards = st.columns(4)
    cards[0].metric(t("health.rows_loaded"), f.number(loads["rows_loaded"].sum()), border=True)
    cards[1].metric(t("health.rows_quarantined"), f.number(loads["rows_quarantined"].sum()), border=True)
    cards[2].metric(t("health.rows_suppressed"), f.number(loads["rows_suppressed"].sum()), border=True,
                    help=t("health.rows_suppressed_help"))
    cards[3].metric(t("health.files_failed"), f.number(loads["files_failed"].sum()), border=True)
    show_table({
        t("health.source"): loads["source"],
        t("health.last_loaded"): [f.datetime(v) for v in loads["last_loaded_at"]],
        t("health.last_status"): [label("load_status", s) for s in loads["last_status"]],
        t("health.files"): [f.number(v) for v in loads["files"]],
        t("health.rows_read"): [f.number(v) for v in loads["rows_read"]],
        t("health.rows_loaded"): [f.number(v) for v in loads["rows_loaded"]],
        t("health.rows_quarantined"): [f.number(v) for v in loads["rows_quarantined"]],
        t("health.rows_suppressed"): [f.number(v) for v in loads["rows_suppressed"]],
        t("health.files_failed"): [f.number(v) for v in loads["files_failed"]],
    })

st.subheader(t("health.quality"))
checks = load_latest_audit(queries.quality_results)
if checks.empty:
    nothing_to_show("health.no_checks")
else:
    failed = checks[~checks["success"].astype(bool)]
    (st.error if (failed["severity"] == "block").any() else st.warning if len(failed) else st.success)(
        t("health.quality_summary", passed=len(checks) - len(failed), checks=len(checks),
          when=f.datetime(checks["checked_at"].max())))
    show_table({
        t("health.suite"): checks["suite"],
        t("health.expectation"): checks["expectation"],
        t("health.column"): checks["column_name"],
        t("health.severity"): [label("severity", v) for v in checks["severity"]],
        t("health.passed"): checks["success"].astype(bool),
        t("health.observed"): [observed_text(v) for v in checks["observed"]],
    })

st.subheader(t("health.builds"))
show_table_or_say_empty(load_latest_audit(queries.builds), "common.no_data", lambda recent_builds: {
    t("health.build"): [str(b)[:8] for b in recent_builds["build_id"]],
    t("health.started"): [f.datetime(v) for v in recent_builds["started_at"]],
    t("health.finished"): [f.datetime(v) for v in recent_builds["finished_at"]],
    t("health.customers"): [f.number(v) for v in recent_builds["customers"]],
    t("health.records_resolved"): [f.number(v) for v in recent_builds["records_resolved"]],
})
