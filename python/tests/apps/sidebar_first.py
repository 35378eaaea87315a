# The logout button comes first (sidebar), the login widget after it: a logout request is handled
# before the login widget is rendered, in the same run.
import streamlit as st

from streamlit_auth_elements import Auth, UsersDatabase

auth = Auth(UsersDatabase(st.secrets["db"]), cookie_key=st.secrets["cookie_key"], cookie_name=st.secrets["cookie_name"])
auth.logout(location="sidebar", key="logout")
auth.login(key="login")
st.text(f"status {st.session_state['authentication_status']}")
