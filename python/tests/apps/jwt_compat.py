# streamlit-jwt-authenticator's README app, with only the import line changed; the API's settings
# (and the test's cookie key, cookie name and session database) come from the secrets.
import json
from datetime import timedelta

import streamlit as st

from streamlit_auth_elements.compat.streamlit_jwt_authenticator import Authenticator

settings = {k: (dict(v) if hasattr(v, "items") else v) for k, v in st.secrets["jwt"].items()}
authenticator = Authenticator(
    settings.pop("url"),
    headers=settings.pop("headers", None),
    token_key=settings.pop("token_key", "access"),
    cookie_lifetime=timedelta(seconds=settings.pop("cookie_lifetime_seconds", 15 * 60)),
    cookie_key=st.secrets["cookie_key"],
    cookie_name=st.secrets["cookie_name"],
    sessions=st.secrets["sessions_db"],
    **settings,
)
st.text(f"before-login {st.session_state['authentication_status']}")
authenticator.login()
if st.session_state["authentication_status"]:
    authenticator.logout()
    st.text("protected content")
st.text("state " + json.dumps({k: st.session_state[k] for k in sorted(st.session_state) if not k.startswith("_auth_elements") and k not in ("jwt_login", "jwt_logout")}, default=str))
