"""The dashboards: `crm dashboard` (or `streamlit run dashboards/app.py`)."""

import sys
from pathlib import Path

import streamlit as st

# `streamlit run` puts this file's folder on sys.path, not the project root the packages live in.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

st.set_page_config(page_title="Customer 360", page_icon="📇", layout="wide")

PAGES = Path(__file__).parent / "pages"
navigation = st.navigation(
    [st.Page(PAGES / "overview.py", title="Overview", icon="📈", default=True)]
)
navigation.run()
