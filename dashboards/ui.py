"""What every page shares: the current language's labels and formats, the global filters in the sidebar, and the
helpful messages shown instead of a traceback."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from dashboards.data import load
from dashboards.i18n import DEFAULT_LANGUAGE, LANGUAGES, MISSING, Formats, is_missing, summaries, translate, value_label
from dashboards.queries.shared import Period, date_bounds

# Global filters keep their value from page to page (widgets a page does not draw would otherwise forget it).
GLOBAL_FILTER_KEYS = ("filter_period",)


# The language lives in the URL as well as in the session, so a reload or a shared link opens in it.
LANGUAGE_PARAMETER = "language"


def language() -> str:
    return st.session_state.get("language", DEFAULT_LANGUAGE)


def keep_language_in_url() -> None:
    """The session's language: on a new session the link's (?language=ja), else the default. Written back to the
    URL on every run: a page change clears the query parameters Streamlit does not bind to a widget."""
    if "language" not in st.session_state:
        linked = st.query_params.get(LANGUAGE_PARAMETER)
        st.session_state["language"] = linked if linked in LANGUAGES else DEFAULT_LANGUAGE
    st.query_params[LANGUAGE_PARAMETER] = st.session_state["language"]


def t(key: str, **values) -> str:
    return translate(key, language(), **values)


def label(kind: str, value) -> str:
    return value_label(kind, value, language())


def readable_summary(summary) -> str:
    """A timeline summary of the marts in the current language, codes as labels (see i18n/summaries.py)."""
    return summaries.readable_summary(present(summary, default=None), language()) or MISSING


def fmt() -> Formats:
    return Formats(language())


def keep_global_filters() -> None:
    for key in GLOBAL_FILTER_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def nothing_to_show(message_key: str = "common.no_data", **values) -> None:
    st.info(t(message_key, **values))


def show_table(columns: dict[str, Iterable]) -> None:
    """A table of values the page has already written for reading (formatted numbers, labels, dates); a missing
    value shows as a dash, never as None or nan."""
    st.dataframe(pd.DataFrame({name: [MISSING if is_missing(v) else v for v in values]
                               for name, values in columns.items()}), hide_index=True, width="stretch")


def show_table_or_say_empty(rows: pd.DataFrame, empty_message_key: str,
                            columns: Callable[[pd.DataFrame], dict[str, Iterable]]) -> None:
    """A query's rows as a table (`columns` writes them for reading, as show_table takes them), or the message
    `empty_message_key` when there are none."""
    if rows.empty:
        nothing_to_show(empty_message_key)
    else:
        show_table(columns(rows))


def present(*values, default=MISSING):
    """The first of the values that is there — not None, NaN (how pandas 3 reads a NULL text) or empty — else
    `default`. (`value or default` is wrong for data: NaN is true.)"""
    return next((v for v in values if not is_missing(v) and v != ""), default)


def yes_no(value) -> str:
    return MISSING if is_missing(value) else t("common.yes") if value else t("common.no")


def period_label(period_start, grain: str, in_progress: bool = False) -> str:
    """How a month or week is named on every page (a week by its Monday), marked when it is still in progress:
    its numbers are not final, and a chart must not read as a drop."""
    f = fmt()
    name = f.month(period_start) if grain == "month" else t("common.week_of", day=f.date(period_start))
    return t("common.in_progress", period=name) if in_progress else name


DEFAULT_PERIOD_DAYS = 90


def period_filter(first_day: date, last_day: date) -> Period | None:
    """The date range (sidebar, shared by the pages that have one), within the data's first and last day; by
    default the last 90 days. None until both ends are picked."""
    default = (max(first_day, last_day - timedelta(days=DEFAULT_PERIOD_DAYS - 1)), last_day)
    if "filter_period" in st.session_state:
        start, *rest = st.session_state["filter_period"] or (None,)
        if start is None or start < first_day or start > last_day or any(d > last_day for d in rest):
            del st.session_state["filter_period"]
    st.session_state.setdefault("filter_period", default)
    picked = st.sidebar.date_input(t("filter.period"), min_value=first_day, max_value=last_day,
                                   key="filter_period", format="YYYY-MM-DD")
    if not isinstance(picked, tuple) or len(picked) != 2:
        st.sidebar.caption(t("filter.pick_both_dates"))
        return None
    return Period(*picked)


def translated_choice(widget, label_text: str, options: list, key: str, default, **kwargs):
    """A radio, select box, select slider or multiselect whose option labels depend on the language.

    A widget keeps the labels it was first drawn with, so its Streamlit key includes the language (a switch draws
    it anew); the choice itself lives in session state under `key`, so it survives a switch and a page change.
    `default` is used until a valid choice is made (a list for a multiselect)."""
    def valid(choice) -> bool:
        return all(c in options for c in choice) if isinstance(choice, list) else choice in options

    widget_key = f"{key}.{language()}"
    if widget_key not in st.session_state or not valid(st.session_state[widget_key]):
        chosen = st.session_state.get(key, default)
        st.session_state[widget_key] = chosen if valid(chosen) else default
    # The option labels are written now, in this run's language: a format function that looked the language up
    # whenever it is called would answer in whatever language is current then (outside a run: the default).
    format_func = kwargs.pop("format_func", str)
    labels = {option: format_func(option) for option in options}
    picked = widget(label_text, options, key=widget_key, format_func=labels.__getitem__, **kwargs)
    st.session_state[key] = picked
    return picked


def choice_filter(key: str, label_key: str, options: list[str], kind: str) -> str | None:
    """A sidebar select box with an "all" option; returns None for all."""
    all_value = "__all__"
    picked = translated_choice(st.sidebar.selectbox, t(label_key), [all_value, *options], key, all_value,
                               format_func=lambda v: t("filter.all") if v == all_value else label(kind, v))
    return None if picked == all_value else picked


def country_filter(options: list[str]) -> str | None:
    return choice_filter("filter_country", "filter.country", options, "country")


def segment_filter(options: list[str]) -> str | None:
    return choice_filter("filter_segment", "filter.segment", options, "segment")


def channel_filter(options: list[str]) -> str | None:
    return choice_filter("filter_channel", "filter.channel", options, "channel")


def data_bounds_or_stop() -> tuple[date, date, str]:
    """The published data's first and last day and the reporting currency; a page with no activity to show
    stops here with a message."""
    first_day, last_day, currency = load(date_bounds)
    if first_day is None:
        nothing_to_show("common.no_activity")
        st.stop()
    return first_day, last_day, currency


def period_or_stop() -> tuple[Period, str]:
    """The picked date range (sidebar) and the reporting currency; the page waits until both dates are picked."""
    first_day, last_day, currency = data_bounds_or_stop()
    period = period_filter(first_day, last_day)
    if period is None:
        st.stop()
    return period, currency
