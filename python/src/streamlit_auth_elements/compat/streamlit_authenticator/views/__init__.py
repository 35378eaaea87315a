"""``streamlit_authenticator.views``: ``Authenticate``."""

from .._authenticate import Authenticate

__all__ = ["Authenticate"]
