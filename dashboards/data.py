"""The dashboards' cached access to the queries: cache entries are keyed by the published file's version."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from common.settings import get_settings
from dashboards.access import is_analyst
from dashboards.i18n import DEFAULT_LANGUAGE, translate
from dashboards.queries.serving import WarehouseNotReady, published_version


def serving_db() -> Path:
    """The full serving file for analysts; for viewers the one without direct PII (README, "Access")."""
    settings = get_settings()
    return settings.serving_db if is_analyst() else settings.bi_serving_db


def health_db() -> Path:
    return get_settings().health_db


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(_query: Callable, query_key: str, version: int, path: str, *args):
    # Streamlit leaves `_query` out of the cache key (leading underscore): `query_key` names it instead.
    # `version` is unused in the body on purpose: it makes a new publication a new cache key.
    return _query(Path(path), *args)


def _query_key(query: Callable) -> str:
    return f"{query.__module__}.{query.__qualname__}"


def load(query: Callable, *args, optional: bool = False):
    """The result of `query` (a function of dashboards.queries taking the serving file first, then `args`).
    When the warehouse (or the query's table) is not published, the page stops with a message saying what to do
    — or, for an `optional` query, None comes back."""
    # Which queries this run of the page used: the page tests hold them to queries.PAGE_QUERIES.
    st.session_state.setdefault("queries_run", set()).add(query)
    path = serving_db()
    try:
        return _cached(query, _query_key(query), published_version(path), str(path), *args)
    except WarehouseNotReady as exc:
        if optional:
            return None
        st.info(translate("common.not_ready", st.session_state.get("language", DEFAULT_LANGUAGE), detail=str(exc)))
        st.stop()


def load_latest_audit(query: Callable, *args, optional: bool = False):
    """An audit query (loads, quality checks, freshness) on the health file, which operations rewrite after every
    check even when the quality gate refuses to publish; on the serving file when there is no health file yet (or
    it lacks the table), with `load`'s handling of a missing warehouse."""
    st.session_state.setdefault("queries_run", set()).add(query)
    path = health_db()
    try:
        return _cached(query, _query_key(query), published_version(path), str(path), *args)
    except WarehouseNotReady:
        return load(query, *args, optional=optional)
