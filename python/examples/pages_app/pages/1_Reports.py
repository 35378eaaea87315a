"""Reports: the login form in the sidebar (a visitor who lands here signs in here), the report only
for a signed-in user."""

import streamlit as st

from app_auth import demo_auth, log_run

st.set_page_config(page_title="Reports", page_icon=":lock:")

auth = demo_auth()
with st.sidebar:
    auth.login("sidebar")
    auth.logout("sidebar")
log_run("reports")

st.title("Reports")
if st.session_state["authentication_status"]:
    st.write(f"Protected report for {st.session_state['name']}.")
    st.bar_chart({"logins": [3, 5, 2, 8]})
else:
    st.info("Log in (in the sidebar) to see the reports.")
