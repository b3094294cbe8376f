"""Rumor Desk dashboard (``streamlit run app.py``): the router is rumordesk/web/app.py."""

from rumordesk.web.app import main

main()
