"""The tools, one module per tool, named after it."""
