import streamlit as st

from streamlit_auth_elements import Auth, UsersDatabase

auth = Auth(UsersDatabase(st.secrets["db"]), cookie_key=st.secrets["cookie_key"], cookie_name=st.secrets["cookie_name"])
auth.login(location="unrendered")
st.text(f"account {st.session_state['authentication_status']}")
if st.session_state["authentication_status"]:
    auth.status(key="status")
    with st.sidebar:
        auth.status("sidebar", key="status" if st.secrets.get("same_key") else "status_sidebar")
        auth.logout("sidebar", key="account_box")
