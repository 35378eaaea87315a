"""A Streamlit-Authenticator app, written as that library's README writes it, with ONE line changed:

    import streamlit_authenticator as stauth                                  # before
    import streamlit_auth_elements.compat.streamlit_authenticator as stauth   # after

    streamlit run python/examples/streamlit_authenticator_app.py

The README reads '../config.yaml'; this example reads a working copy of config.yaml (beside it) in its
data directory (``AUTH_ELEMENTS_DATA_DIR``, else ``.data/streamlit/``), made at its first start with a
real cookie key (``AUTH_ELEMENTS_COOKIE_KEY``, else a random one kept in that directory): the
committed file's key is a placeholder, which the package refuses. Everything below the preamble is
the README's code, but for its last step (saving the config back), which is made atomic here (see
there why). One difference you will see: ``forgot_password`` gives a single-use RESET CODE,
not a new password; this demo "transfers it securely" by printing it in the terminal, and the user
pastes it into the form under the widget.
"""

import os
import shutil
import tempfile
from pathlib import Path

import streamlit as st
import yaml
from yaml.loader import SafeLoader

import streamlit_auth_elements.compat.streamlit_authenticator as stauth  # was: import streamlit_authenticator as stauth

from demo_setup import cookie_key, data_dir, log_run

# ---- the example's preamble: the working copy of config.yaml, with a real cookie key ----
CONFIG = data_dir() / "config.yaml"
if not CONFIG.exists():
    template = yaml.load((Path(__file__).parent / "config.yaml").read_text(), Loader=SafeLoader)
    template["cookie"]["key"] = cookie_key()
    with open(CONFIG.with_suffix(".new"), "w") as file:
        yaml.dump(template, file, default_flow_style=False, allow_unicode=True)
    shutil.move(CONFIG.with_suffix(".new"), CONFIG)
    print(f"demo config (Streamlit-Authenticator's config.yaml) written to {CONFIG}: alice / alice-demo-password, admin / admin-demo-password", flush=True)

# ---- from here on: Streamlit-Authenticator's README ----
with open(CONFIG) as file:
    config = yaml.load(file, Loader=SafeLoader)

authenticator = stauth.Authenticate(
    config['credentials'],
    config['cookie']['name'],
    config['cookie']['key'],
    config['cookie']['expiry_days']
)

try:
    authenticator.login()
except Exception as e:
    st.error(e)

if st.session_state.get('authentication_status'):
    authenticator.logout()
    st.write(f'Welcome *{st.session_state.get("name")}*')
    st.title('Some content')
elif st.session_state.get('authentication_status') is False:
    st.error('Username/password is incorrect')
elif st.session_state.get('authentication_status') is None:
    st.warning('Please enter your username and password')

if st.session_state.get('authentication_status'):
    try:
        if authenticator.reset_password(st.session_state.get('username')):
            st.success('Password modified successfully')
    except Exception as e:
        st.error(e)

if not st.session_state.get('authentication_status'):
    try:
        email_of_registered_user, \
        username_of_registered_user, \
        name_of_registered_user = authenticator.register_user(pre_authorized=config['pre-authorized']['emails'])
        if email_of_registered_user:
            st.success('User registered successfully')
    except Exception as e:
        st.error(e)

    try:
        username_of_forgotten_password, \
        email_of_forgotten_password, \
        new_random_password = authenticator.forgot_password()
        if username_of_forgotten_password:
            st.success('New password to be sent securely')
            # The developer should securely transfer the new password to the user.
            # (Here: a single-use reset code; this demo prints it in the terminal.)
            print(f"demo-reset-code username={username_of_forgotten_password} code={new_random_password}", flush=True)
        elif username_of_forgotten_password == False:
            st.error('Username not found')
    except Exception as e:
        st.error(e)

    try:
        username_of_forgotten_username, \
        email_of_forgotten_username = authenticator.forgot_username()
        if username_of_forgotten_username:
            st.success('Username to be sent securely')
            # The developer should securely transfer the username to the user.
            print(f"demo-username-reminder username={username_of_forgotten_username}", flush=True)
        elif username_of_forgotten_username == False:
            st.error('Email not found')
    except Exception as e:
        st.error(e)

if st.session_state.get('authentication_status'):
    try:
        if authenticator.update_user_details(st.session_state.get('username')):
            st.success('Entries updated successfully')
    except Exception as e:
        st.error(e)

# The README's save, made atomic: its `with open('../config.yaml', 'w')` empties the file first, and
# Streamlit starts the next run before this one ends when a rerun is asked for meanwhile, which
# then reads an empty or half-written file (the end-to-end test caught exactly that). A temporary
# file renamed over the config is read whole or not at all. (Or give Authenticate the path:
# the package then saves the file itself, atomically and under a lock.)
with tempfile.NamedTemporaryFile('w', dir=CONFIG.parent, suffix='.saving', delete=False) as file:
    yaml.dump(config, file, default_flow_style=False, allow_unicode=True)
os.replace(file.name, CONFIG)

log_run("stauth")
