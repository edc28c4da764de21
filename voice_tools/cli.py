"""The ``voice-tools`` command: ``serve``, ``sandbox``, ``config`` and ``demo``.

``serve`` is the MCP server, ``sandbox`` the standalone Zendesk simulator, ``config`` a chat client's
config that starts this installation, ``demo`` a scripted session against the sandbox.

Imports are deferred into each command so that start-up loads only what that command needs (chat
clients spawn the server once per session, so its start-up time is paid often).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voice_tools.server.config.serving import ServerSettings


def _sandbox_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "sandbox",
        help="run the Zendesk Talk sandbox standalone on a loopback port",
        epilog="environment variables: none (the sandbox is configured by these flags only)",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8790, help="port to listen on (default 8790)")
    p.add_argument("--seed", type=int, default=7, help="seed for the simulated account (default 7)")
    p.add_argument("--numbers", type=int, default=12, help="how many numbers the account holds (default 12)")
    p.add_argument("--trial", action="store_true", help="simulate a Trial account (list and search answer 403)")
    p.add_argument("--latency", type=float, default=0.0, help="seconds of latency added to every request")
    p.add_argument("--rate-limit", type=int, default=700, help="requests allowed per window (default 700)")
    p.add_argument("--rate-window", type=float, default=60.0, help="rate-limit window in seconds (default 60)")
    p.add_argument(
        "--talk-rate-limit",
        type=int,
        default=15_000,
        help="Talk's own limit per 5 minutes, beside the plan's (default 15000, as Zendesk documents it)",
    )
    p.add_argument(
        "--accept-inferred",
        action="store_true",
        help="turn off the validations no Zendesk document states (voice_tools/sandbox/inferred.py lists them)",
    )


def run_sandbox(args: argparse.Namespace) -> int:
    import socket

    import anyio

    from voice_tools.sandbox import SandboxConfig, TalkSandbox, describe_credentials
    from voice_tools.sandbox.server import make_server

    config = SandboxConfig(
        seed=args.seed,
        numbers=args.numbers,
        trial=args.trial,
        rate_limit=args.rate_limit,
        rate_window=args.rate_window,
        talk_rate_limit=args.talk_rate_limit,
        inferred="accept" if args.accept_inferred else "enforce",
    )
    sandbox = TalkSandbox(config)
    sandbox.faults.latency = args.latency
    server = make_server(sandbox, args.host, args.port)
    try:  # bound before it says it is up; IPPROTO_TCP so that asyncio turns Nagle off (else 40 ms a reply)
        sock = socket.socket(
            socket.AF_INET6 if ":" in args.host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP
        )
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((args.host, args.port))
        sock.listen(2048)
    except OSError as error:
        print(f"voice-tools: cannot start: cannot listen on {args.host}:{args.port}: {error.strerror}", file=sys.stderr)
        return 2
    print(
        f"Zendesk Talk sandbox on http://{args.host}:{args.port} "
        f"({len(sandbox.backend.numbers)} numbers, seed {config.seed}"
        f"{', trial account' if config.trial else ''})\n"
        f"Credentials: {describe_credentials(config)}\n"
        f"Try: curl -u {config.email}/token:{config.api_token} "
        f"http://{args.host}:{args.port}/api/v2/channels/voice/phone_numbers.json",
        file=sys.stderr,
        flush=True,
    )
    anyio.run(lambda: server.serve(sockets=[sock]))
    return 0


def _serve_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], *, helping: bool = True) -> None:
    epilog = None
    if helping:  # the variables' table is for --help: a start does not render it
        from voice_tools.server.config.reference import help_text

        epilog = "environment variables (voice-tools refuses any other VOICE_TOOLS_ name):\n" + help_text()
    p = sub.add_parser(
        "serve",
        help="run the MCP server (stdio by default; --http for streamable HTTP)",
        description="Run the MCP server for one Zendesk Talk account (the built-in sandbox without credentials).",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--http", action="store_true", help="serve streamable HTTP instead of stdio")
    p.add_argument("--host", default="127.0.0.1", help="HTTP address (default 127.0.0.1)")
    p.add_argument("--port", default="8000", help="HTTP port (default 8000)")
    p.add_argument("--path", default="/mcp", help="HTTP path of the MCP endpoint (default /mcp)")
    p.add_argument("--sandbox", action="store_true", help="use the built-in sandbox even if credentials are set")
    p.add_argument("--read-only", action="store_true", help="list only the read tools (no buy_number, update_settings)")
    p.add_argument(
        "--toolsets",
        help="comma-separated tool sets: numbers (default), release, addresses, bulk, or all (VOICE_TOOLS_TOOLSETS)",
    )


def run_serve(args: argparse.Namespace) -> int:
    """Everything that can be wrong is checked (configuration, prompt files, the port) before the
    start-up line is printed, so that the line is never followed by a failure to start. With JSON
    logging chosen, every one of these lines is a JSON object too."""
    from voice_tools.client import ConfigurationError
    from voice_tools.server.config.environ import Environment, process_environment
    from voice_tools.server.config.serving import ServerSettings
    from voice_tools.server.config.startup_line import startup_line
    from voice_tools.server.config.state_places import check_state_places
    from voice_tools.server.prompts import PromptFileError
    from voice_tools.server.transports.logs import configure_logging, say

    env = process_environment()
    try:
        configure_logging(Environment(env).get("VOICE_TOOLS_LOG_FORMAT"))
        settings = ServerSettings.from_env(
            env, sandbox=args.sandbox, read_only=args.read_only or None, toolsets=args.toolsets
        )
        for warning in settings.warnings:
            say(f"voice-tools: warning: {warning}", logging.WARNING)
        check_state_places(settings)
        if not args.http:
            check_account(settings)
            return serve_stdio(settings)
        from voice_tools.server.config.http_settings import HttpSettings
        from voice_tools.server.transports.http import http_app, listen, uvicorn_server

        http = HttpSettings.from_env(env, host=args.host, port=args.port, path=args.path)
        app = http_app(settings, http)
        sockets = listen(http)
        check_account(settings)
    except ConfigurationError as error:
        say(f"voice-tools: cannot start: {error}", logging.ERROR)
        return 2
    except PromptFileError as error:
        say(f"voice-tools: cannot start: prompt file {error.path}: {error.problem}", logging.ERROR)
        return 2
    except OSError as error:
        say(f"voice-tools: cannot start: cannot listen on {args.host}:{args.port}: {error.strerror}", logging.ERROR)
        return 2
    metrics = "" if http.metrics_port is None else f"; /metrics on port {http.metrics_port}"
    audit = "; audit lines on stdout" if http.audit_stdout else ""
    say(startup_line(settings, f"streamable HTTP at {http.url} ({http.auth_text}{metrics}{audit})"))
    uvicorn_server(app, http, grace_seconds=settings.shutdown_grace_seconds).run(sockets=sockets)
    return 0


def check_account(settings: ServerSettings) -> None:
    """ConfigurationError when the server cannot work with this account (a host it cannot reach, refused
    credentials); a lesser problem is printed as a warning and the server starts."""
    if settings.sandbox or not settings.startup_check:
        return
    import anyio

    from voice_tools.client import ConfigurationError
    from voice_tools.server.config.account_probe import probe_account
    from voice_tools.server.transports.logs import say

    result = anyio.run(probe_account, settings)
    if result.warning:
        say(f"voice-tools: warning: {result.warning}", logging.WARNING)
    if result.fatal:
        raise ConfigurationError(result.fatal)


def serve_stdio(settings: ServerSettings) -> int:
    import anyio

    from voice_tools.server.app import build_server, server_parts
    from voice_tools.server.config.startup_line import startup_line
    from voice_tools.server.transports.logs import say
    from voice_tools.server.transports.stdio import serve_stdio as serve

    parts = server_parts(settings)
    server = build_server(settings, parts=parts)
    say(startup_line(settings, "stdio"))
    anyio.run(lambda: serve(server, parts, grace_seconds=settings.shutdown_grace_seconds))
    return 0


def run_config(args: argparse.Namespace) -> int:
    from voice_tools.install.command import run

    return run(args)


def run_ledger(args: argparse.Namespace) -> int:
    """The operator's commands for a ledger that lost its memory; one line on stdout, exit 2 on a mistake."""
    import anyio

    from voice_tools.client import ConfigurationError
    from voice_tools.guard import LedgerUnavailable
    from voice_tools.server import ledger_admin
    from voice_tools.server.config.environ import process_environment
    from voice_tools.server.config.serving import ServerSettings

    try:
        settings = ServerSettings.from_env(process_environment())
        if args.action == "restore":
            paths = [Path(p) for p in args.audit] or [settings.audit_log]
            if missing := [str(p) for p in paths if not p.is_file()]:
                raise ConfigurationError(f"no audit file at {', '.join(missing)}: give each replica's with --audit")
            said = anyio.run(ledger_admin.restore, settings, paths)
        elif args.action == "accept-reset":
            said = anyio.run(ledger_admin.accept_reset, settings)
        else:
            said = anyio.run(ledger_admin.status, settings)
    except (ConfigurationError, LedgerUnavailable) as error:
        print(f"voice-tools: {error}", file=sys.stderr)
        return 2
    print(said)
    return 0


def _ledger_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "ledger",
        help="status, restore or accept-reset of the guard's ledger (after Redis lost its memory)",
        epilog="environment variables: those of serve (VOICE_TOOLS_LEDGER, VOICE_TOOLS_STATE_DIR, ...)",
    )
    p.add_argument("action", choices=["status", "restore", "accept-reset"])
    p.add_argument(
        "--audit",
        action="append",
        default=[],
        help="restore: an audit file to rebuild from (repeat for each replica's; default: this one's)",
    )


def run_demo(args: argparse.Namespace) -> int:
    import anyio

    from voice_tools.demo import demo
    from voice_tools.server.config.environ import environment_without

    anyio.run(demo, environment_without("ZENDESK_"))
    return 0


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """Every command's parser; for ``serve`` without ``--help``, only what parsing it needs (a chat client
    starts the server once per session: the help's variables table and the config command's parser are
    not built then)."""
    args = list(sys.argv[1:] if argv is None else argv)
    starting = bool(args) and args[0] == "serve" and not {"-h", "--help"} & set(args)
    parser = argparse.ArgumentParser(prog="voice-tools", description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command")
    _serve_parser(sub, helping=not starting)
    if starting:
        return parser
    _sandbox_parser(sub)
    _ledger_parser(sub)
    from voice_tools.install.command import add_parser as _config_parser

    _config_parser(sub)
    sub.add_parser(
        "demo",
        help="start the server against the sandbox over stdio and run a short scripted session",
        epilog="environment variables: those of serve, except ZENDESK_* (the demo always uses the sandbox)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    commands = {
        "serve": run_serve,
        "sandbox": run_sandbox,
        "demo": run_demo,
        "config": run_config,
        "ledger": run_ledger,
    }
    if args.command in commands:
        return commands[args.command](args)
    parser.print_help(sys.stderr)
    return 2
