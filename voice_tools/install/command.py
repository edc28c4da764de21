"""``voice-tools config <client>``: a working config for a chat client, printed or merged into its file.

The config starts this installation by absolute paths (``launcher.py``), for the built-in sandbox or a
real account. Every value is checked as ``serve`` checks it before anything is printed or written, so a
config this command produces never fails at the client's first start for a reason it could have named.
The API token is read from ZENDESK_API_TOKEN or asked for with the typing hidden, only when a file is
written, and is never printed: not in the config, not in a message.
"""

from __future__ import annotations

import argparse
import getpass
import json
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .clients import CLIENTS, SCOPES, TOKEN, Client, Places, Scope, vscode_token_input
from .entry import TOKEN_PLACEHOLDER, claude_mcp_add, server_entry, snippet, uses_token_input
from .launcher import Launcher, in_a_cache, this_installation

DEFAULT_NAME = "zendesk-talk"
Asker = Callable[[str], str]  # shows a prompt, returns what was typed (hidden)
ACCOUNT_FLAGS = {"ZENDESK_SUBDOMAIN": "--subdomain", "ZENDESK_EMAIL": "--email"}


class Refusal(Exception):
    """What is wrong with the request, and what to do instead; nothing was printed or written."""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "config",
        help="print a chat client's config that starts this installation (--write: merge it into the client's file)",
        description="A config for a chat client that starts this installation of voice-tools by absolute paths "
        "(no PATH needed): the built-in sandbox, or a real account with --subdomain and --email.",
        epilog="The API token is never printed. With --write it is read from ZENDESK_API_TOKEN, or asked for with "
        "the typing hidden; shared project files (Claude Code's .mcp.json, Cursor's and VS Code's) get the client's "
        "reference to it instead. --write keeps every other server and saves the previous file beside it.",
    )
    p.add_argument("client", choices=list(CLIENTS), help="the chat client")
    p.add_argument("--write", action="store_true", help="merge the server into the client's file")
    p.add_argument(
        "--scope",
        choices=SCOPES,
        default="user",
        help="user (default): every project; project: this folder's file (Claude Code, Cursor, VS Code)",
    )
    p.add_argument("--file", type=Path, help="with --write: this file instead of the client's usual one")
    p.add_argument("--name", default=DEFAULT_NAME, help=f"the server's name in the client (default {DEFAULT_NAME})")
    p.add_argument("--subdomain", help="a real account: acme for acme.zendesk.com (without it: the sandbox)")
    p.add_argument("--email", help="the agent whose API token the server uses (with --subdomain)")
    p.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="another setting, e.g. VOICE_TOOLS_MAX_MONTHLY_PRICE=10 (voice-tools serve --help lists them)",
    )


@dataclass(frozen=True)
class Plan:
    client: Client
    scope: Scope
    name: str
    launcher: Launcher
    env: dict[str, str]  # the environment block, the token (or its reference or placeholder) included

    def entry(self) -> dict[str, Any]:
        return server_entry(self.client, self.launcher, self.env)

    def inputs(self) -> list[dict[str, Any]]:
        return [vscode_token_input()] if uses_token_input(self.client, self.env) else []


def _settings(pairs: list[str]) -> dict[str, str]:
    """``--env NAME=VALUE`` pairs; secrets are refused (a command line lands in the shell's history)."""
    from voice_tools.server.config.variables import BY_NAME

    settings: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise Refusal(f"--env takes NAME=VALUE (got {pair!r})")
        if name in ACCOUNT_FLAGS:
            raise Refusal(f"give {name} with {ACCOUNT_FLAGS[name]}, not --env")
        if name in BY_NAME and BY_NAME[name].secret:
            raise Refusal(
                f"{name} is a secret and is not taken on the command line (it would stay in the shell's history); "
                + ("set it in this shell's environment or type it when asked" if name == TOKEN else "set it by hand")
            )
        settings[name] = value
    return settings


def _token(reference: str | None, write: bool, env: Mapping[str, str], ask: Asker | None, who: str) -> str:
    """What the config holds for the token: the client's reference to it (``reference``, for a shared
    file), a placeholder (printing), or the token itself (writing a file private to the user), read
    from the environment or asked for with the typing hidden."""
    if reference:
        return reference.format(name=TOKEN)
    if not write:
        return TOKEN_PLACEHOLDER
    if value := env.get(TOKEN, "").strip():
        return value
    if ask is None:
        raise Refusal(
            f"no API token to write: set {TOKEN} in this shell's environment (it is read, never shown), or run this "
            "in a terminal to be asked for it"
        )
    try:
        value = ask(f"Zendesk API token for {who} (the typing is hidden): ").strip()
    except (EOFError, KeyboardInterrupt):
        value = ""
    if not value:
        raise Refusal("no API token was typed; nothing was written")
    return value


def _check(env: dict[str, str], sandbox: bool) -> None:
    """Refuse what ``serve`` would refuse at start (unknown names with a did-you-mean, bad values,
    contradictions), with the same words."""
    from voice_tools.client import ConfigurationError
    from voice_tools.server.config.serving import ServerSettings

    try:
        ServerSettings.from_env(env, sandbox=sandbox)
    except ConfigurationError as error:
        raise Refusal(str(error)) from None


def plan(args: argparse.Namespace, env: Mapping[str, str], ask: Asker | None) -> Plan:
    client = CLIENTS[args.client]
    scope: Scope = args.scope
    if scope not in client.scopes():
        raise Refusal(f"{client.title} keeps its servers in user settings only; leave out --scope project")
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", args.name):
        raise Refusal(f"--name takes letters, digits, '.', '_' and '-' (got {args.name!r})")
    settings = _settings(args.env)
    account = {k: v for k, v in (("ZENDESK_SUBDOMAIN", args.subdomain), ("ZENDESK_EMAIL", args.email)) if v}
    sandbox = not account and "VOICE_TOOLS_ZENDESK_BASE_URL" not in settings
    if sandbox:
        _check(settings, sandbox=True)
        return Plan(client, scope, args.name, this_installation(("serve", "--sandbox")), settings)
    if "ZENDESK_EMAIL" not in account:
        raise Refusal("a real account needs --email too: the agent whose API token the server uses")
    _check({**account, TOKEN: TOKEN_PLACEHOLDER, **settings}, sandbox=False)
    token = _token(client.secret_reference.get(scope), args.write, env, ask, account["ZENDESK_EMAIL"])
    block = {**account, TOKEN: token, **settings}
    return Plan(client, scope, args.name, this_installation(), block)


def _places(env: Mapping[str, str]) -> Places:
    return Places(home=Path.home(), platform=sys.platform, env=env, project=Path.cwd())


def _say(text: str) -> None:
    print(f"voice-tools: {text}", file=sys.stderr)


def show(p: Plan, path: Path) -> None:
    """Print the config (stdout) and where it goes (stderr)."""
    if p.client.name == "claude-code":
        print(claude_mcp_add(p.name, p.launcher, p.env, p.scope))
        _say(f"run that to register it, or run this again with --write to add it to {path} directly")
        if p.env.get(TOKEN) == TOKEN_PLACEHOLDER:
            _say(f"the shell fills in ${TOKEN} from its environment: export it first (it is never printed)")
        return
    print(json.dumps(snippet(p.client, p.name, p.entry(), p.env), indent=2, ensure_ascii=False))
    _say(
        f'paste this into {path} under "{p.client.key}", beside the servers already there, or run this again '
        "with --write to merge it there"
    )
    if p.env.get(TOKEN) == TOKEN_PLACEHOLDER:
        _say(
            f"the API token is never printed: put it in place of {TOKEN_PLACEHOLDER}, or use --write, which reads "
            f"{TOKEN} or asks for it"
        )


def write(p: Plan, path: Path) -> None:
    from .json_files import merge_server

    merged = merge_server(path, p.client.key, p.name, p.entry(), p.inputs())
    kept = f"{merged.others} other server{'' if merged.others == 1 else 's'} kept"
    saved = f"; the previous file is {merged.backup}" if merged.backup else ""
    print(f"{'Replaced' if merged.replaced else 'Added'} {p.name} in {merged.path} ({kept}{saved}). {p.client.after}")
    if "${" in p.env.get(TOKEN, "") and "${input:" not in p.env[TOKEN]:
        print(f"The file refers to ${TOKEN} instead of holding it: set it where {p.client.title} starts from.")


def run(args: argparse.Namespace) -> int:
    from voice_tools.server.config.environ import process_environment

    from .json_files import NotMergeable

    env = process_environment()
    ask = (lambda prompt: getpass.getpass(prompt, stream=sys.stderr)) if sys.stdin.isatty() else None
    path = args.file
    try:
        p = plan(args, env, ask)
        path = path or p.client.file(p.scope, _places(env))
        if in_a_cache():
            _say(
                "warning: this voice-tools runs from uv's cache (uvx), which uv may clean; for a lasting config, "
                "install it (uv tool install voice-tools) and run voice-tools config from there"
            )
        if args.write:
            write(p, path)
        else:
            show(p, path)
    except (Refusal, NotMergeable) as problem:
        _say(f"config: {problem}")
        return 2
    except OSError as error:  # a folder it may not write, a full disk: the old file is still whole
        _say(f"config: cannot write {path}: {error.strerror or error}; the file is unchanged")
        return 2
    return 0
