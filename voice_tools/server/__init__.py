"""The MCP server, arranged by role:

- ``tools/``: one module per tool, named after it (``buy_number.py`` holds ``buy_number``);
- ``shared/``: what the tools share: argument types, errors and results, confirmation, the account's
  directories, working out a change to a number;
- ``views/``: the MCP Apps pages (HTML) and what a host without Apps sees instead;
- ``config/``: every setting declared once, read and checked, and the start-up line;
- ``transports/``: how clients reach the server (stdio, streamable HTTP, its limits and OAuth) and what
  operators watch (health, metrics, logs);
- ``app.py`` assembles the server from these; ``state.py`` is what every tool call shares (the Zendesk
  client, the guard, its ledger); ``prompts.py`` and ``resources.py`` serve the prompts and resources.

Imports run one way between rooms (``tests/test_architecture.py``): config below everything; shared and
state above it; tools and views above those; app and transports on top.
"""
