# A page protected by the decorator (role from the secrets, or superuser), after a status header.
import streamlit as st

from streamlit_auth_elements import Auth, UsersDatabase

auth = Auth(UsersDatabase(st.secrets["db"], env={}), cookie_key=st.secrets["cookie_key"], cookie_name=st.secrets["cookie_name"])
auth.status(key="status")
guard = st.secrets.get("guard", "signed-in")


@auth.requires_auth(role=st.secrets.get("role") or None, superuser=guard == "superuser")
def page() -> None:
    st.text("secret content")


if guard == "bare":

    @auth.requires_auth
    def bare() -> None:
        st.text("bare content")

    bare()
else:
    page()
st.text("after the page")
