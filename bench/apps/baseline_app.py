"""No login at all: the same protected content shown at once. Streamlit's own floor for a page
load (page, script, websocket, one run, the text drawn), against which the reload of the two apps
can be read. Not part of the comparison or the goal."""

import streamlit as st

from runlog import content_written, run_ended, run_started

run_started("baseline")

st.write("Welcome *John Smith*: this is the protected content.")
content_written("baseline")
st.title("Some content")

run_ended("baseline")
