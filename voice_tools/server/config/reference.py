"""The table of variables rendered for people: ``serve --help`` and the configuration reference.

Both are generated here from ``variables.VARIABLES``; a test regenerates the committed reference and
fails when it differs, so the documentation cannot drift from what the server reads.
"""

from __future__ import annotations

from collections.abc import Iterable

from .variables import GROUP_TITLES, SERVED, VARIABLES, Variable


def help_text(variables: Iterable[Variable] = SERVED) -> str:
    """The ``--help`` epilog: by group, one line each, with what it takes and its default."""
    rows = [v for v in variables if not v.retired]
    width = max(len(v.name) for v in rows)
    lines: list[str] = []
    for group, title in GROUP_TITLES.items():
        members = [v for v in rows if v.group == group]
        if not members:
            continue
        lines.append(f"{title}:")
        for v in members:
            default = v.shown_default()
            tail = f" (default {default})" if default else ""
            lines.append(f"  {v.name.ljust(width)}  {v.help}{tail}")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown(variables: Iterable[Variable] = VARIABLES) -> str:
    """The configuration reference: one table per group, every variable with what it takes and its default."""
    out: list[str] = []
    listed = list(variables)
    for group, title in GROUP_TITLES.items():
        members = [v for v in listed if v.group == group]
        if not members:
            continue
        out += [f"### {title}", "", "| variable | what it does | takes | default |", "|---|---|---|---|"]
        for v in members:
            name = f"`{v.name}`" + (f" (`{v.flag}`)" if v.flag else "")
            help_ = v.help + (" *(secret: never printed)*" if v.secret else "")
            default = v.shown_default()
            out.append(
                f"| {name} | {_cell(help_)} | {_cell(v.parse.describe())} | {_cell(default) if default else '—'} |"
            )
        out.append("")
    return "\n".join(out).rstrip() + "\n"
