"""The dashboards' cached access to the queries: cache entries are keyed by the published file's version."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from common.settings import get_settings
from dashboards import queries
from dashboards.i18n import DEFAULT_LANGUAGE, translate


def serving_db() -> Path:
    return get_settings().serving_db


def health_db() -> Path:
    return get_settings().health_db


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(query_name: str, version: int, path: str, *args):
    # `version` is unused in the body on purpose: it makes a new publication a new cache key.
    return getattr(queries, query_name)(Path(path), *args)


def load(query_name: str, *args, optional: bool = False):
    """The query's result. When the warehouse (or the query's table) is not published, the page stops with a
    message saying what to do — or, for an `optional` query, None comes back."""
    # Which queries this run of the page used: the page tests hold them to queries.PAGE_QUERIES.
    st.session_state.setdefault("queries_run", set()).add(query_name)
    path = serving_db()
    try:
        return _cached(query_name, queries.published_version(path), str(path), *args)
    except queries.WarehouseNotReady as exc:
        if optional:
            return None
        st.info(translate("common.not_ready", st.session_state.get("language", DEFAULT_LANGUAGE), detail=str(exc)))
        st.stop()


def load_latest_audit(query_name: str, *args, optional: bool = False):
    """An audit query (loads, quality checks, freshness) on the health file, which operations rewrite after every
    check even when the quality gate refuses to publish; on the serving file when there is no health file yet (or
    it lacks the table), with `load`'s handling of a missing warehouse."""
    st.session_state.setdefault("queries_run", set()).add(query_name)
    path = health_db()
    try:
        return _cached(query_name, queries.published_version(path), str(path), *args)
    except queries.WarehouseNotReady:
        return load(query_name, *args, optional=optional)
