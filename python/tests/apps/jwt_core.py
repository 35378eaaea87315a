# The JWT API backend through the core API (Auth + JwtApiBackend + SessionDatabase), with a clock the
# test moves (secrets["clock_offset_ms"]) and the login throttle from the secrets.
import json

import streamlit as st

from streamlit_auth_elements import Auth, JwtApiBackend, RateLimitPolicy, SessionDatabase
from streamlit_auth_elements._users_database import now_ms

settings = {k: (dict(v) if hasattr(v, "items") else v) for k, v in st.secrets["jwt"].items()}
max_failures = int(st.secrets.get("account_max_failures", 5))
auth = Auth(
    JwtApiBackend(settings.pop("url"), **settings),
    sessions=SessionDatabase(st.secrets["sessions_db"]),
    cookie_key=st.secrets["cookie_key"],
    cookie_name=st.secrets["cookie_name"],
    account_policy=RateLimitPolicy(max_failures=max_failures, window_seconds=900, base_delay_seconds=1, max_delay_seconds=900),
    clock=lambda: now_ms() + int(st.secrets.get("clock_offset_ms", 0)),
)
auth.login()
if st.session_state["authentication_status"]:
    auth.logout()
    st.text("protected content")
    st.text("token " + auth.user.extra["token"])
