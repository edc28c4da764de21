"""Putting voice-tools into chat clients: their config files (``voice-tools config``), the MCP Bundle's
manifest (``manifest.json``) and the MCP Registry's ``server.json``, each derived from the one table of
settings (``server/config/variables.py``) so that what a client is asked for is what the server reads.
"""
