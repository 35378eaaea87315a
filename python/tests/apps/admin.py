# The admin page for superusers.
import streamlit as st

from streamlit_auth_elements import Auth, UsersDatabase, admin_page

users = UsersDatabase(st.secrets["db"], mail=st.secrets.get("mail") or None, app_url=st.secrets.get("app_url") or None, env={})
auth = Auth(users, cookie_key=st.secrets["cookie_key"], cookie_name=st.secrets["cookie_name"])
admin_page(auth)
st.text("end of the admin page")
