"""Configuration: every setting declared once (``variables.py``), read from the environment in one module
(``environ.py``), checked together (``serving.py``, ``http_settings.py``) and documented from the same
table (``reference.py``). This package imports nothing heavy, so ``serve --help`` stays fast."""
