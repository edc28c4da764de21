"""The ``voice-tools`` command: ``serve`` (the MCP server) and ``sandbox`` (the standalone Zendesk simulator).

Imports are deferred into each command so that start-up loads only what that command needs (chat
clients spawn the server once per session, so its start-up time is paid often).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _sandbox_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("sandbox", help="run the Zendesk Talk sandbox standalone on a loopback port")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8790, help="port to listen on (default 8790)")
    p.add_argument("--seed", type=int, default=7, help="seed for the simulated account (default 7)")
    p.add_argument("--numbers", type=int, default=12, help="how many numbers the account holds (default 12)")
    p.add_argument(
        "--trial", action="store_true", help="simulate a Trial account (list and search answer 403)"
    )
    p.add_argument("--latency", type=float, default=0.0, help="seconds of latency added to every request")
    p.add_argument("--rate-limit", type=int, default=700, help="requests allowed per window (default 700)")
    p.add_argument(
        "--rate-window", type=float, default=60.0, help="rate-limit window in seconds (default 60)"
    )


def run_sandbox(args: argparse.Namespace) -> int:
    import anyio

    from voice_tools.sandbox import SandboxConfig, TalkSandbox, describe_credentials
    from voice_tools.sandbox.server import make_server

    config = SandboxConfig(
        seed=args.seed,
        numbers=args.numbers,
        trial=args.trial,
        rate_limit=args.rate_limit,
        rate_window=args.rate_window,
    )
    sandbox = TalkSandbox(config)
    sandbox.faults.latency = args.latency
    server = make_server(sandbox, args.host, args.port)
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
    anyio.run(server.serve)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voice-tools", description=__doc__.splitlines()[0] if __doc__ else None
    )
    sub = parser.add_subparsers(dest="command")
    _sandbox_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "sandbox":
        return run_sandbox(args)
    parser.print_help(sys.stderr)
    return 2
