"""``streamlit_authenticator.hasher`` (the 0.2 module path): ``Hasher``."""

from .utilities.hasher import Hasher

__all__ = ["Hasher"]
