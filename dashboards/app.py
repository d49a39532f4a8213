"""The dashboards: `crm dashboard` (or `streamlit run dashboards/app.py`)."""

import sys
from pathlib import Path

import streamlit as st

# `streamlit run` puts this file's folder on sys.path, not the project root the packages live in.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboards.access import ANALYST, ANALYST_PAGES, login_required, role  # noqa: E402
from dashboards.i18n import LANGUAGES  # noqa: E402
from dashboards.ui import keep_global_filters, keep_language_in_url, t  # noqa: E402

# (page file in views/, icon); the title is the message "page.<name>".
PAGES = [
    ("overview", "📈"),
    ("segments", "🧩"),
    ("funnel", "🔻"),
    ("retention", "🔁"),
    ("sales", "💼"),
    ("marketing", "📣"),
    ("service", "🎧"),
    ("predictions", "🔮"),
    ("customer_360", "🔎"),
    ("data_health", "🩺"),
]

st.set_page_config(page_title="Customer 360", page_icon="📇", layout="wide")
st.session_state.setdefault("queries_run", set()).clear()  # this run's queries only
keep_global_filters()
keep_language_in_url()

with_login = login_required()
if with_login and not st.user.is_logged_in:
    st.title("Customer 360")
    st.write(t("access.login_prompt"))
    st.button(t("access.login"), on_click=st.login, key="login")
    st.stop()
user_role = role()
pages = [(name, icon) for name, icon in PAGES if user_role == ANALYST or name not in ANALYST_PAGES]

# Not "pages/": Streamlit treats a pages/ folder beside the entry point as an old-style multipage app and, on a
# rerun, runs the page alone without this file (the language switch and the menu then vanish).
folder = Path(__file__).parent / "views"
navigation = st.navigation([
    st.Page(folder / f"{name}.py", title=t(f"page.{name}"), icon=icon, url_path=name, default=(index == 0))
    for index, (name, icon) in enumerate(pages)
])
# Below the page menu; a new language is already in session state (and in the titles above) on the rerun it causes.
st.sidebar.radio("Language / 言語", list(LANGUAGES), key="language", format_func=LANGUAGES.get, horizontal=True)
if with_login:
    st.sidebar.caption(t("access.signed_in", email=st.user.get("email") or "", role=t(f"access.role.{user_role}")))
    st.sidebar.button(t("access.logout"), on_click=st.logout, key="logout")
navigation.run()
