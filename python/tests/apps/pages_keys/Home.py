# A pages/ app whose pages were written apart: one key, "account_box", is a login widget here and a
# logout widget on the Account page (Streamlit allows it: element ids include the page).
import streamlit as st

from streamlit_auth_elements import Auth, UsersDatabase

auth = Auth(UsersDatabase(st.secrets["db"]), cookie_key=st.secrets["cookie_key"], cookie_name=st.secrets["cookie_name"])
with st.sidebar:
    auth.login("sidebar", key="account_box")
st.text(f"home {st.session_state['authentication_status']}")
