"""A users database, the way the "SQLite approach" writes it: users in a SQLite file, a login status
header on every page, a ``requires_auth`` decorator on the protected pages, an admin page for
superusers, and the account pages (register, forgot password, forgot username, reset password,
update details).

    streamlit run python/examples/users_database_app.py

The first superuser of a database of your own: ``python -m streamlit_auth_elements create-superuser``.
Here the demo accounts are made on the first run (``admin`` is a superuser; see demo_setup.py).

Registration is by invitation (the reference server's default): a superuser pre-authorizes the
email on the Users page; ``AUTH_REGISTRATION=open`` opens it to anyone.

Mail: with ``AUTH_SMTP_URL`` (and ``AUTH_APP_URL``, the address of this app's Account page, which the
mailed links lead to) mail goes out by SMTP; without it, to the development outbox (a table of the
database), which the "Mailbox" page shows. A real app never shows its mail to its visitors: the
Mailbox page is only there so that the demo works with no mail server.
"""

import os

import streamlit as st

from demo_setup import database, demo_auth, log_run
from streamlit_auth_elements import UsersDatabase, admin_page, has_access

st.set_page_config(page_title="auth-elements users database", page_icon=":lock:")

SMTP = os.environ.get("AUTH_SMTP_URL")
users = UsersDatabase(
    database(),
    mail=SMTP or "outbox",
    app_url=os.environ.get("AUTH_APP_URL") or "http://localhost:8501/account",
)
auth = demo_auth(users)

# The login status header, on every page ("Logged in as … admin" / "Not logged in").
auth.status(key="status")
with st.sidebar:
    auth.logout("sidebar", key="logout")


def home() -> None:
    st.title("Home")
    if st.session_state["authentication_status"]:
        st.write(f"Hello {st.session_state['name']}. Your pages are in the sidebar.")
    else:
        st.write("Log in, or make an account on the Account page.")
        auth.login(key="login")


@auth.requires_auth
def reports() -> None:
    st.title("Reports")
    st.write(f"Protected report for {st.session_state['name']}: only signed-in users get here.")
    st.bar_chart({"logins": [3, 5, 2, 8]})
    st.button("Refresh")


def users_admin() -> None:
    # The users table has nine columns: this page takes the whole width.
    st.set_page_config(layout="wide")
    # Checks the superuser role itself (in the store, every run) before it draws anything.
    admin_page(auth)


def account() -> None:
    st.title("Account")
    where = st.sidebar.radio("Account forms in", ["main", "sidebar"], horizontal=True, key="forms_in")
    if st.session_state["authentication_status"]:
        auth.update_user_details(where, key="update_details")
        # Signed in and no reset code: "change password" (the current one is checked).
        if auth.reset_password(where, key="change_password"):
            st.success("Your password was changed. Your other sessions have ended.")
        return
    if users.settings.registration == "preauthorized":
        st.caption("Registration is by invitation: an administrator pre-authorizes your email on the Users page first.")
    registered = auth.register_user(where, key="register")
    if registered is not None and not registered.verification_sent:
        st.success(f"Account {registered.username} created: sign in on the Home page.")
    auth.forgot_password(where, key="forgot_password")
    # The code (or the mailed link, which brings it here as ?reset_token=) sets a new password.
    if auth.reset_password(where, key="reset_password"):
        st.success("Your password was reset: sign in with the new one on the Home page.")
    auth.forgot_username(where, key="forgot_username")


def mailbox() -> None:
    st.title("Mailbox")
    st.caption("The development outbox (no mail server configured): every mail this app sent, newest first.")
    messages = users.outbox(20)
    if not messages:
        st.write("No mail yet.")
    for message in messages:
        with st.container(border=True):
            st.markdown(f"**{message.subject}** to `{message.to}`")
            st.text(message.text)


pages = [
    st.Page(home, title="Home", icon=":material/home:", default=True),
    st.Page(reports, title="Reports", icon=":material/bar_chart:", url_path="reports"),
    st.Page(account, title="Account", icon=":material/person:", url_path="account"),
]
if has_access(auth.user, superuser=True):
    pages.append(st.Page(users_admin, title="Users", icon=":material/group:", url_path="admin"))
if SMTP is None:
    pages.append(st.Page(mailbox, title="Mailbox", icon=":material/mail:", url_path="mailbox"))
page = st.navigation(pages)
log_run(page.url_path or "home")
page.run()
