"""A classic multipage app: this entry script and the scripts of ``pages/``, which Streamlit lists in
the sidebar by itself (no ``st.navigation``). Every page builds the same ``Auth`` and makes its own
widget calls; the session, kept in ``st.session_state`` and the cookie, is the same on every page.

    streamlit run python/examples/pages_app/Home.py

- Home (this page): the login form, the status header and the logout button in the sidebar.
- Reports: the same login form in the sidebar; the report only for a signed-in user.
- Account: only checks (``login(location="unrendered")``); two status headers and two logout buttons
  (main area and sidebar), each widget with its own key.

A reload on a subpage stays there, signed in on its first script run (the cookie is read before
any widget shows).
"""

import streamlit as st

from app_auth import DEMO_ACCOUNTS, demo_auth, log_run

st.set_page_config(page_title="auth-elements pages/ app", page_icon=":lock:")

auth = demo_auth()
with st.sidebar:
    auth.login("sidebar")
    auth.status("sidebar")
    auth.logout("sidebar")
log_run("home")

st.title("Home")
if st.session_state["authentication_status"]:
    st.write(f"Hello {st.session_state['name']}: the Reports and Account pages are yours now.")
else:
    st.write("Every page is in the sidebar; Reports and Account show their content once you sign in.")
    st.caption("Demo accounts: " + ", ".join(f"`{username}` / `{password}`" for username, password, *_ in DEMO_ACCOUNTS) + ".")
