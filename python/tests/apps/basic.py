# A typical app: login in the main area, logout in the sidebar, a status header, protected content.
import json

import streamlit as st

from streamlit_auth_elements import Auth, UsersDatabase

auth = Auth(
    UsersDatabase(st.secrets["db"]),
    cookie_key=st.secrets["cookie_key"],
    cookie_name=st.secrets["cookie_name"],
    cookie_expiry_days=float(st.secrets.get("expiry_days", 30)),
)
events = st.session_state.setdefault("events", [])
auth.status(key="status")
auth.login(location=st.secrets.get("login_location", "main"), key="login", callback=events.append)
# Right after the widget call: the session_state keys are already those of this run.
st.text("after-login " + json.dumps({k: st.session_state[k] for k in ("authentication_status", "name", "username", "email", "roles")}))
if st.session_state["authentication_status"]:
    auth.logout(location="sidebar", key="logout", callback=events.append)
    st.text("protected content")
