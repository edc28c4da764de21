"""How clients reach the server (stdio, streamable HTTP and its limits, OAuth) and what operators watch
(health, metrics, logs)."""
