"""`streamlit run ...` (the arguments after this file's name) that also stops when its standard
input closes: the test process that started it went away, whatever the way (test/e2e/streamlit-harness.ts)."""

import os
import signal
import sys
import threading

from streamlit.web import cli


def _stop_when_orphaned() -> None:
    # The raw descriptor, not sys.stdin: a daemon thread blocked in a buffered read makes the
    # interpreter abort when it exits first (streamlit refusing its arguments, say).
    while os.read(0, 4096):
        pass
    os.kill(os.getpid(), signal.SIGTERM)


threading.Thread(target=_stop_when_orphaned, daemon=True).start()
sys.exit(cli.main(args=sys.argv[1:], prog_name="streamlit"))
