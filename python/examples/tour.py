"""The tour: every widget of streamlit-auth-elements, in the main area and in the sidebar.

    npm run demo:streamlit                      # from the repository: builds, installs, starts this
    streamlit run python/examples/tour.py       # with the package installed

Users live in a SQLite file (``.data/streamlit/auth.db``, see demo_setup.py); the demo accounts are
printed in the terminal, which also shows one line per script run: a login takes one rerun, a
reload one run.
"""

import streamlit as st

from demo_setup import DEMO_ACCOUNTS, demo_auth, log_run

st.set_page_config(page_title="auth-elements tour", page_icon=":lock:")

auth = demo_auth()

with st.sidebar:
    language = st.selectbox("Language", ["browser", "en", "fr"], key="language")
lang = None if language == "browser" else language

st.title("auth-elements tour")
auth.status(key="status", lang=lang)
auth.login(key="login", lang=lang)
log_run("tour")

with st.sidebar:
    auth.status("sidebar", key="status_sidebar", lang=lang)
    auth.login("sidebar", key="login_sidebar", lang=lang)
    auth.logout("sidebar", key="logout_sidebar", lang=lang)

if st.session_state["authentication_status"]:
    st.success(f"Welcome, {st.session_state['name']}: this is the protected content.")
    st.write("What the package put in `st.session_state`:")
    st.json({key: st.session_state[key] for key in ("authentication_status", "name", "username", "email", "roles")})
    if "admin" in st.session_state["roles"]:
        st.info("Only users with the `admin` role see this.")
    auth.logout(key="logout", lang=lang)
else:
    st.caption(
        "Log in with a demo account: "
        + ", ".join(f"`{username}` / `{password}`" for username, password, *_ in DEMO_ACCOUNTS)
        + ". The same form sits in the sidebar, in its compact layout."
    )
