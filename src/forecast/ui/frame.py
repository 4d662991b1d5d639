"""Every page runs inside app.py (page setup, navigation, the run's read transaction).

Streamlit reads a `pages/` folder beside the entry file as an automatic multipage folder
until the entry file has called `st.navigation` once in the server's life: until then a
page's own address (a shared link, a bookmark, a reload after a restart) runs the page file
alone, without app.py. A page that finds itself run that way runs app.py in its place,
which switches the server to app.py's navigation for good and draws the same page.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx


def require_app() -> None:
    """First line of every page file."""
    if not PagesManager.uses_pages_directory:
        return
    # Not st.rerun(): a rerun drops the click or form submit that started this run.
    app = Path(get_script_run_ctx().pages_manager.main_script_path)
    code = compile(app.read_text(encoding="utf-8"), str(app), "exec")
    exec(code, {"__name__": "__main__", "__file__": str(app)})  # noqa: S102 - our own app.py
    st.stop()  # the page has been drawn inside app.py; the rest of this copy must not run
