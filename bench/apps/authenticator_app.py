"""The benchmark's Streamlit-Authenticator 0.4.2 app, written the way that library's README writes
it: config.yaml (the same user as the other app, a bcrypt hash made by its own Hasher), login in the
main area, the protected content after it. Only the run-log lines and the config path (given by
the driver) are added.
"""

import os

import streamlit as st
import streamlit_authenticator as stauth
import yaml
from yaml.loader import SafeLoader

from runlog import content_written, run_ended, run_started

run_started("streamlit-authenticator")

with open(os.environ.get("BENCH_CONFIG", "config.yaml")) as file:
    config = yaml.load(file, Loader=SafeLoader)

authenticator = stauth.Authenticate(
    config["credentials"],
    config["cookie"]["name"],
    config["cookie"]["key"],
    config["cookie"]["expiry_days"],
)

try:
    authenticator.login()
except Exception as e:
    st.error(e)

if st.session_state.get("authentication_status"):
    authenticator.logout()
    st.write(f'Welcome *{st.session_state.get("name")}*: this is the protected content.')
    content_written("streamlit-authenticator")
    st.title("Some content")
elif st.session_state.get("authentication_status") is False:
    st.error("Username/password is incorrect")
elif st.session_state.get("authentication_status") is None:
    st.warning("Please enter your username and password")

run_ended("streamlit-authenticator")
