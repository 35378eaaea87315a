"""Compatibility layers: modules to import instead of another Streamlit login library, with only the
import line of the app changed. Each is a thin layer over ``streamlit_auth_elements.Auth`` and a
backend of this package.

- ``streamlit_auth_elements.compat.streamlit_authenticator``: Streamlit-Authenticator (``stauth``).
- ``streamlit_auth_elements.compat.streamlit_jwt_authenticator``: streamlit-jwt-authenticator
  (``from streamlit_jwt_authenticator import Authenticator``).
"""
