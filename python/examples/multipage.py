"""A multipage app (st.navigation): the login form in the sidebar of every page, the protected
pages in the navigation only once someone is signed in.

    streamlit run python/examples/multipage.py

A reload on a protected page stays there: the session is restored from its cookie in the very first
script run, before ``st.navigation`` decides which pages exist.
"""

import streamlit as st

from demo_setup import demo_auth, log_run

st.set_page_config(page_title="auth-elements multipage", page_icon=":lock:")

auth = demo_auth()
with st.sidebar:
    auth.login("sidebar")
    auth.status("sidebar")
    auth.logout("sidebar")


def home() -> None:
    st.title("Home")
    if st.session_state["authentication_status"]:
        st.write(f"Hello {st.session_state['name']}: the Reports and Account pages are in the sidebar.")
    else:
        st.write("Everybody sees this page. Log in (in the sidebar) to see the others.")


def reports() -> None:
    st.title("Reports")
    st.write(f"Protected report for {st.session_state['name']}.")
    st.bar_chart({"logins": [3, 5, 2, 8]})


def account() -> None:
    st.title("Account")
    st.write("Who the app says you are:")
    st.json({key: st.session_state[key] for key in ("username", "name", "email", "roles")})
    auth.logout(key="logout_account", button_name="Log out of every page")


pages = [st.Page(home, title="Home", icon=":material/home:", default=True)]
if st.session_state["authentication_status"]:
    pages += [
        st.Page(reports, title="Reports", icon=":material/bar_chart:", url_path="reports"),
        st.Page(account, title="Account", icon=":material/person:", url_path="account"),
    ]
page = st.navigation(pages)
log_run(page.url_path or "home")
page.run()
