"""The benchmark's streamlit-auth-elements app: the same app as authenticator_app.py (the same user,
login in the main area, the same protected content after it) on the package's core ``Auth`` API with
a ``UsersDatabase`` (SQLite) made by bench/apps/prepare.py. Only the run-log lines and the data
paths (given by the driver) are added.
"""

import os
from pathlib import Path

import streamlit as st

from streamlit_auth_elements import Auth, UsersDatabase
from runlog import content_written, run_ended, run_started

run_started("auth-elements")

data = Path(os.environ["BENCH_DATA"])
auth = Auth(
    UsersDatabase(str(data / "auth.db")),
    cookie_key=(data / "cookie_key").read_text().strip(),
    cookie_name="bench_session",
    cookie_expiry_days=30,
)

auth.login(key="login")

if st.session_state.get("authentication_status"):
    auth.logout(key="logout")
    st.write(f'Welcome *{st.session_state.get("name")}*: this is the protected content.')
    content_written("auth-elements")
    st.title("Some content")
elif st.session_state.get("authentication_status") is False:
    st.error("Username/password is incorrect")
elif st.session_state.get("authentication_status") is None:
    st.warning("Please enter your username and password")

run_ended("auth-elements")
