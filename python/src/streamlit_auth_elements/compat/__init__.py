"""Compatibility layers: the APIs of the Streamlit login libraries this package replaces, as thin
layers over ``Auth``. Change only the import line:

- ``from streamlit_jwt_authenticator import Authenticator``
  -> ``from streamlit_auth_elements.compat.streamlit_jwt_authenticator import Authenticator``
"""
