"""Record a real account's answers to the probes, scrubbed, as the sandbox's reference:

    VOICE_TOOLS_LIVE=1 ZENDESK_SUBDOMAIN=acme ZENDESK_EMAIL=... ZENDESK_API_TOKEN=... \\
        uv run python -m tests.live.record [--out tests/data/recorded]

Each probe becomes ``<name>.json``: where it came from (the account, withheld, and the date), the request
(method, path with ``{first_id}`` kept as a placeholder for the first number the account lists, query),
the status, the headers worth comparing and the body, with personal data and replayable secrets replaced
(``probes.scrub``), and what a replay compares by type only (the account's own values) or by shape
(``probes.replay_rules``). Review the files before committing them; ``tests/sandbox/test_recorded.py`` then
replays each request against the sandbox and compares the answers value by value.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import anyio

from tests.live.account import http_client, live_config, send
from tests.live.probes import PROBES, replay_rules, scrub, scrub_headers

RECORDED = Path(__file__).resolve().parents[1] / "data" / "recorded"


async def record(out: Path) -> int:
    config, reason = live_config()
    if config is None:
        print(f"not recorded: {reason}", file=sys.stderr)
        return 2
    await anyio.Path(out).mkdir(parents=True, exist_ok=True)
    async with http_client(config) as client:
        for probe in PROBES:
            try:
                answer = await send(client, probe)
            except LookupError as error:
                print(f"{probe.name}: skipped ({error})", file=sys.stderr)
                continue
            body = scrub(answer.json()) if "json" in answer.headers.get("content-type", "") else None
            request: dict[str, object] = {"method": probe.method, "path": probe.path, "query": probe.query}
            if probe.body is not None:
                request["json"] = probe.body
            fixture = {
                "kind": "answer",
                "kind_note": "an HTTP answer recorded from a real account, scrubbed of personal data and secrets"
                + ("; {first_id} is the first number the account lists" if "{first_id}" in probe.path else ""),
                "source": {
                    "account": "a real Zendesk account (its subdomain is not kept)",
                    "recorded_on": f"{datetime.now(UTC):%Y-%m-%d}",
                    "what": f"probe {probe.name} of tests/live/probes.py, recorded with tests/live/record.py",
                },
                "request": request,
                "status": answer.status_code,
                "headers": scrub_headers(dict(answer.headers)),
                "body": body,
                **replay_rules(body),
                "partial": False,
            }
            await anyio.Path(out / f"{probe.name}.json").write_text(
                json.dumps(fixture, indent=2, sort_keys=True) + "\n"
            )
            print(f"{probe.name}: {answer.status_code}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.live.record", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RECORDED, help="where the fixtures go")
    return anyio.run(record, parser.parse_args(argv).out)


if __name__ == "__main__":
    raise SystemExit(main())
