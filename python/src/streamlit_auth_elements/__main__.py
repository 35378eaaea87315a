"""``python -m streamlit_auth_elements``: the command line (see ``_cli.py``)."""

import sys

from ._cli import main

sys.exit(main(sys.argv[1:]))
