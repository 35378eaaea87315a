"""Account: a page that only checks (no login form here), with two widgets of each kind, each with
its own key: the status header in the main area and in the sidebar, a logout button in each."""

import streamlit as st

from app_auth import demo_auth, log_run

st.set_page_config(page_title="Account", page_icon=":lock:")

auth = demo_auth()
auth.login(location="unrendered")  # restores the session from the cookie; renders nothing
log_run("account")

st.title("Account")
if not st.session_state["authentication_status"]:
    st.warning("This page is for signed-in users.")
    st.page_link("Home.py", label="Log in on the Home page")
    st.stop()

auth.status(key="account_status")
st.json({key: st.session_state[key] for key in ("username", "name", "email", "roles")})
auth.logout(key="account_logout", button_name="Log out of every page")
with st.sidebar:
    auth.status("sidebar", key="status")
    auth.logout("sidebar", key="logout")
