# The "WordPress-Streamlit Integration" recipe's shape on this package: a WordPress site with the JWT
# Authentication for WP REST API plugin, whose token endpoint also wants the recipe's X-API-KEY header.
# The recipe posted the form itself, kept the token in st.session_state, checked it with
# /token/validate and called st.experimental_rerun() (gone from current Streamlit); here Python posts
# the form-encoded credentials with the key, keeps the token on the server with the session, asks
# /token/validate (the token as Bearer, the same key) at login and on every script run, and a reload
# stays signed in. The key and the token never reach the browser.
#
#   AUTH_COOKIE_KEY=... WORDPRESS_URL=https://example.com WORDPRESS_API_KEY=... streamlit run wordpress_app.py
import os

import streamlit as st

from streamlit_auth_elements.compat.streamlit_jwt_authenticator import Authenticator

site = os.environ.get("WORDPRESS_URL", "http://localhost").rstrip("/")

authenticator = Authenticator(
    f"{site}/wp-json/jwt-auth/v1/token",
    headers={"X-API-KEY": os.environ.get("WORDPRESS_API_KEY", "")},
    token_key="token",
    verify_url=f"{site}/wp-json/jwt-auth/v1/token/validate",
    verify_interval=0,  # every script run, as the recipe validated on every page view
)

st.title("WordPress members")
authenticator.login()
if st.session_state["authentication_status"]:
    authenticator.logout()
    st.write(f"Welcome, {st.session_state['user_display_name']} ({st.session_state['user_email']}).")
