"""The script Streamlit runs on every interaction: the dashboard's router."""

from rumordesk.web.app import main

main()
