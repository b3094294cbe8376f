"""The dashboard's pages: scripts that Streamlit runs (``st.navigation``), never imported."""
