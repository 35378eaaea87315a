# One page giving one key to the login (signed out) and to the logout (signed in): refused.
import streamlit as st

from streamlit_auth_elements import Auth, UsersDatabase

auth = Auth(UsersDatabase(st.secrets["db"]), cookie_key=st.secrets["cookie_key"], cookie_name=st.secrets["cookie_name"])
if st.session_state.get("authentication_status"):
    auth.logout(key="box")
else:
    auth.login(key="box")
