"""streamlit-auth-elements: the auth-elements widgets inside Streamlit, verified by Python.

    import streamlit as st
    from streamlit_auth_elements import Auth, UsersDatabase

    auth = Auth(UsersDatabase("auth.db"), cookie_key=st.secrets["cookie_key"])
    auth.login()
    if st.session_state["authentication_status"]:
        auth.logout(location="sidebar")
        st.write(f"Welcome, {st.session_state['name']}")
"""

from __future__ import annotations

from ._auth import Auth, AuthStatus, CredentialBackend
from ._errors import AuthConfigError, AuthError
from ._ratelimit import ACCOUNT_POLICY, ADDRESS_POLICY, RateLimitPolicy
from ._records import DuplicateUserError, Identity, UserRecord
from ._routes import routes
from ._tokens import check_cookie_key
from ._users_database import UsersDatabase

__version__ = "0.1.0"

__all__ = [
    "ACCOUNT_POLICY",
    "ADDRESS_POLICY",
    "Auth",
    "AuthConfigError",
    "AuthError",
    "AuthStatus",
    "CredentialBackend",
    "DuplicateUserError",
    "Identity",
    "RateLimitPolicy",
    "UserRecord",
    "UsersDatabase",
    "check_cookie_key",
    "routes",
    "__version__",
]
