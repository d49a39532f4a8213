"""The login and the role of whoever uses the dashboards (common.access decides; Streamlit's st.login logs in).

Without a login configured everyone is an analyst, as `crm dashboard` only listens on this machine then."""

from __future__ import annotations

import streamlit as st

from common.access import ANALYST, VIEWER, login_configured, role_of
from common.settings import get_settings

# Pages a viewer does not get: Customer 360 shows one person's name, emails, phones and history; Data health shows
# load errors and check results, which can quote a source row.
ANALYST_PAGES = frozenset({"customer_360", "data_health"})


def login_required() -> bool:
    return login_configured(get_settings().dashboard_secrets)


def role() -> str:
    """The role of this session's user: analyst without a login configured, viewer until logged in."""
    if not login_required():
        return ANALYST
    if not st.user.is_logged_in:
        return VIEWER
    return role_of(st.user.get("email"), get_settings().analyst_emails)


def is_analyst() -> bool:
    return role() == ANALYST
