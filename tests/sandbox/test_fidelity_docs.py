"""What docs/sandbox.md and docs/inferred.md say about the sandbox's fidelity is generated from the registry
(``voice_tools/sandbox/inferred.py``), so it cannot drift from what the sandbox does; rewrite both with
``VOICE_TOOLS_UPDATE_SNAPSHOTS=1`` after a change to the registry."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from voice_tools.sandbox.inferred import INFERENCES, Inference

ROOT = Path(__file__).resolve().parents[2]
SANDBOX_PAGE = ROOT / "docs" / "sandbox.md"
REFERENCE = ROOT / "docs" / "inferred.md"
START = "<!-- generated from voice_tools/sandbox/inferred.py -->\n"
END = "<!-- end of generated section -->\n"
UPDATE = os.environ.get("VOICE_TOOLS_UPDATE_SNAPSHOTS") == "1"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def reference() -> str:
    rows = [
        "| entry | origin | what it does | what it takes for granted | source | with `--accept-inferred` |",
        "|---|---|---|---|---|---|",
    ]
    for scope, title in (("sandbox", "The sandbox"), ("product", "The product")):
        rows.append(f"| **{title}** | | | | | |")
        for i in (i for i in INFERENCES if i.scope == scope):
            where = f" ({i.where})" if i.where else ""
            off = i.off if i.switchable or scope == "product" else f"cannot be switched: {i.off.split(': ', 1)[-1]}"
            cells = (f"`{i.id}`{where}", i.origin, i.behaviour, i.assumes, i.source, off)
            rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(rows) + "\n"


def _ids(inferences: list[Inference]) -> str:
    return ", ".join(f"`{i.id}`" for i in inferences)


def summary() -> str:
    sandbox = [i for i in INFERENCES if i.scope == "sandbox"]
    product = [i for i in INFERENCES if i.scope == "product"]
    origins = Counter(i.origin for i in sandbox)
    fixed = [i for i in sandbox if not i.switchable]
    pending = [i for i in product if i.off.startswith("still refuses")]
    still = (
        f" Still refusing before sending on an inference, to be changed: {_ids(pending)}."
        if pending
        else " Nothing in the product refuses before sending on an inference."
    )
    return (
        f"The registry names {len(sandbox)} sandbox behaviours no Zendesk document states outright "
        f"({origins['document']} from documents that speak only around them, {origins['capture']} from public "
        f"captures, {origins['inferred']} inferred) and {len(product)} assumptions of the product's own; each, "
        "with its source and what `--accept-inferred` does instead, is in [docs/inferred.md](inferred.md). "
        f"{len(sandbox) - len(fixed)} can be turned off: {_ids([i for i in sandbox if i.switchable])}. "
        f"{len(fixed)} cannot, each saying why: {_ids(fixed)}. The product's: {_ids(product)}.{still}\n"
    )


def _check(path: Path, body: str) -> None:
    text = path.read_text() if path.exists() else START + END
    head, start, rest = text.partition(START)
    _, end, tail = rest.partition(END)
    assert start and end, f"{path} lacks its generated-section markers"
    generated = head + START + body + END + tail
    if UPDATE:
        path.write_text(generated)
    assert text == generated, f"{path.name} is stale: run with VOICE_TOOLS_UPDATE_SNAPSHOTS=1"


def test_docs_inferred_md_is_the_registry() -> None:
    _check(REFERENCE, reference())


def test_the_sandbox_page_says_what_the_registry_says() -> None:
    _check(SANDBOX_PAGE, summary())
