"""What every page of this ``pages/`` app imports: the demo's ``Auth`` and its run log.

In an app of your own this module builds the ``Auth`` from your settings (see the package README);
every page calls it, as every page of a ``pages/`` app is a script of its own. Here it reuses the
examples' ``demo_setup.py``, one directory up (Streamlit puts only this app's directory on the path).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demo_setup import DEMO_ACCOUNTS, demo_auth, log_run  # noqa: E402

__all__ = ["DEMO_ACCOUNTS", "demo_auth", "log_run"]
