# Streamlit-Authenticator's API through the compatibility layer, as an app writes it; every return
# value is printed as text for the tests. secrets: `config` (a YAML path) and `mode` ("dict": the
# README's load-with-SafeLoader-then-save way; "path": Authenticate(path); "legacy": the 0.2 forms).
import json

import streamlit as st
import yaml
from yaml.loader import SafeLoader

import streamlit_auth_elements.compat.streamlit_authenticator as stauth

mode = st.secrets["mode"]
events = st.session_state.setdefault("events", [])


def show(label, value):
    st.text(label + " " + json.dumps(value))


if mode == "path":
    authenticator = stauth.Authenticate(st.secrets["config"])
    config = None
else:
    with open(st.secrets["config"]) as file:
        config = yaml.load(file, Loader=SafeLoader)
    if mode == "legacy":
        authenticator = stauth.Authenticate(
            config["credentials"], config["cookie"]["name"], config["cookie"]["key"], config["cookie"]["expiry_days"], config["pre-authorized"]
        )
    else:
        authenticator = stauth.Authenticate(
            config["credentials"], config["cookie"]["name"], config["cookie"]["key"], config["cookie"]["expiry_days"]
        )

if mode == "legacy":
    show("login", list(authenticator.login("Login", "main")))
else:
    show("login", list(authenticator.login(callback=events.append)))

if st.session_state["authentication_status"]:
    authenticator.logout("Logout", "main", callback=events.append)
    if mode == "legacy":
        show("reset", authenticator.reset_password(st.session_state["username"], "Reset password", location="main"))
        show("details", authenticator.update_user_details(st.session_state["username"], "Update user details", "main"))
    else:
        show("reset", authenticator.reset_password(st.session_state["username"], callback=events.append))
        show("details", authenticator.update_user_details(st.session_state["username"], callback=events.append))
else:
    if mode == "legacy":
        show("register", authenticator.register_user("Register user", preauthorization=True))
        show("forgot", list(authenticator.forgot_password("Forgot password", location="sidebar")))
        show("forgot_username", list(authenticator.forgot_username(form_name="Forgot username")))
    else:
        kwargs = {"pre_authorized": config["pre-authorized"]["emails"]} if config is not None else {}
        show("register", list(authenticator.register_user(roles=["viewer"], callback=events.append, **kwargs)))
        show("forgot", list(authenticator.forgot_password(callback=events.append)))
        show("forgot_username", list(authenticator.forgot_username(callback=events.append)))

if config is not None:
    if st.session_state.pop("interrupted_run", False):
        st.stop()  # a run Streamlit stopped before the README's save: the next rerun came first
    with open(st.secrets["config"], "w") as file:
        yaml.dump(config, file, default_flow_style=False, allow_unicode=True)
