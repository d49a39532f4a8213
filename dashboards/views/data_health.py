"""Data health: whether a failed blocking check stopped publishing, the last load of each source, rows loaded and
quarantined, the latest quality checks, builds and how fresh each source is.

Loads, checks, freshness and builds come from the health file, which operations rewrite after every check: when
the quality gate refuses a build, the serving file still holds the previous one and cannot tell why."""

import pandas as pd
import streamlit as st

from dashboards.data import load, load_latest_audit
from dashboards.ui import fmt, label, nothing_to_show, t

st.title(t("page.data_health"))
f = fmt()

# Before the publication: when nothing could be published, the failed check is the answer to "why not?".
blocking = load_latest_audit("blocking_failures", optional=True)
published = load("publication", optional=True)
if blocking is not None and len(blocking):
    st.error("\n\n".join(
        t("health.publishing_stopped" if published else "health.publishing_stopped_never_published",
          check=f"{failure.expectation}({failure.column_name or ''})", table=failure.table_name,
          when=f.datetime(failure.checked_at), published=f.datetime((published or {}).get("published_at")))
        for failure in blocking.itertuples()))
if published is None:
    published = load("publication")  # stops the page with what to do
if published:
    st.caption(t("common.published", when=f.datetime(published.get("published_at")),
                 build=str(published.get("build_id"))[:8]))

st.subheader(t("health.freshness"))
freshness = load_latest_audit("source_freshness", optional=True)  # published by the operations checks, when configured
if freshness is None:
    st.info(t("health.freshness_not_configured"))
elif freshness.empty:
    nothing_to_show("health.freshness_empty")
else:
    late = int((freshness["status"] != "fresh").sum())
    (st.warning if late else st.success)(t("health.freshness_summary", late=late, sources=len(freshness)))
    st.dataframe(pd.DataFrame({
        t("health.source"): freshness["source"],
        t("health.family"): freshness["family"],
        t("health.status"): [label("freshness", s) for s in freshness["status"]],
        t("health.last_loaded"): [f.datetime(v) for v in freshness["last_loaded_at"]],
        t("health.expected_every"): [f.number(v, 1) for v in freshness["expected_every_hours"]],
        t("health.due"): [f.datetime(v) for v in freshness["due_at"]],
    }), hide_index=True, width="stretch")

st.subheader(t("health.loads"))
loads = load_latest_audit("loads_by_source")
if loads.empty:
    nothing_to_show("health.no_loads")
else:
    cards = st.columns(3)
    cards[0].metric(t("health.rows_loaded"), f.number(loads["rows_loaded"].sum()), border=True)
    cards[1].metric(t("health.rows_quarantined"), f.number(loads["rows_quarantined"].sum()), border=True)
    cards[2].metric(t("health.files_failed"), f.number(loads["files_failed"].sum()), border=True)
    st.dataframe(pd.DataFrame({
        t("health.source"): loads["source"],
        t("health.last_loaded"): [f.datetime(v) for v in loads["last_loaded_at"]],
        t("health.last_status"): [label("load_status", s) for s in loads["last_status"]],
        t("health.files"): loads["files"],
        t("health.rows_read"): loads["rows_read"],
        t("health.rows_loaded"): loads["rows_loaded"],
        t("health.rows_quarantined"): loads["rows_quarantined"],
        t("health.files_failed"): loads["files_failed"],
    }), hide_index=True, width="stretch")

st.subheader(t("health.quality"))
checks = load_latest_audit("quality_results")
if checks.empty:
    nothing_to_show("health.no_checks")
else:
    failed = checks[~checks["success"].astype(bool)]
    (st.error if (failed["severity"] == "block").any() else st.warning if len(failed) else st.success)(
        t("health.quality_summary", passed=len(checks) - len(failed), checks=len(checks),
          when=f.datetime(checks["checked_at"].max())))
    st.dataframe(pd.DataFrame({
        t("health.suite"): checks["suite"],
        t("health.expectation"): checks["expectation"],
        t("health.column"): checks["column_name"],
        t("health.severity"): checks["severity"],
        t("health.passed"): checks["success"],
        t("health.observed"): checks["observed"],
    }), hide_index=True, width="stretch")

st.subheader(t("health.builds"))
recent_builds = load_latest_audit("builds")
if recent_builds.empty:
    nothing_to_show("common.no_data")
else:
    st.dataframe(pd.DataFrame({
        t("health.build"): [str(b)[:8] for b in recent_builds["build_id"]],
        t("health.started"): [f.datetime(v) for v in recent_builds["started_at"]],
        t("health.finished"): [f.datetime(v) for v in recent_builds["finished_at"]],
        t("health.customers"): recent_builds["customers"],
        t("health.records_resolved"): recent_builds["records_resolved"],
    }), hide_index=True, width="stretch")
