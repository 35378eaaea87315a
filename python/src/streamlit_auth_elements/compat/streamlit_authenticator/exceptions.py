"""``streamlit_authenticator.exceptions`` (the 0.2 module path): the exception classes."""

from .utilities.exceptions import *  # noqa: F403
from .utilities.exceptions import __all__  # noqa: F401
