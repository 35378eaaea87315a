# streamlit-jwt-authenticator's README app (Quickstart, "Create Streamlit Application"), with only the
# import line changed. Where its README hard-codes the API's address, this one reads it from the
# environment, with an API key header as WordPress's recipe sends: Python makes the token request,
# so the key (and the API's tokens) never reach the browser.
#
#   AUTH_COOKIE_KEY=$(python -c "import secrets; print(secrets.token_urlsafe(32))") \
#   JWT_API_URL=http://127.0.0.1:8787/api/auth/login JWT_API_KEY=... streamlit run jwt_api_app.py
#
# (streamlit-jwt-authenticator needs no cookie key; this package signs its own session cookie with
# st.secrets["cookie_key"] or AUTH_COOKIE_KEY, and stops with how to make one when neither is set.)
import os

import streamlit as st

from streamlit_auth_elements.compat.streamlit_jwt_authenticator import Authenticator

# Your API url to get JWT token
api_url = os.environ.get("JWT_API_URL", "http://localhost/api/token/")
headers = {"X-API-KEY": os.environ["JWT_API_KEY"]} if os.environ.get("JWT_API_KEY") else None

# Create Authenticator instance
authenticator = Authenticator(api_url, headers=headers)

# Add login form
authenticator.login()

# Check is user logged in successfully
if st.session_state["authentication_status"]:
    # Add logout form
    authenticator.logout()
    st.write(f"Logged in as {st.session_state['username']}.")
    # The API's answer is in st.session_state (its names here; the values stay on the server).
    answer = [k for k in ("access", "refresh", "token_type", "expires_in", "user") if k in st.session_state]
    st.text("API answer in session_state: " + ", ".join(answer))

# The examples' run counter (one line per script run on stderr; the end-to-end tests read it).
from demo_setup import log_run  # noqa: E402

log_run("jwt_api_app")
