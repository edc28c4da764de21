"""The README is a front page (at most 200 lines) and every link in it and in docs/ leads somewhere: a file
that exists, and a heading or an anchor that exists in it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", ROOT / "SECURITY.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors_of(page: Path) -> set[str]:
    """GitHub's heading slugs (lower case, punctuation dropped, spaces to hyphens) and explicit ids."""
    text = page.read_text()
    slugs = set(re.findall(r'<a id="([^"]+)"', text))
    for heading in re.findall(r"^#{1,6} (.+)$", text, flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        slugs.add(slug)
    return slugs


def test_the_readme_is_a_front_page() -> None:
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines: move detail into docs/"


def test_every_link_in_the_readme_and_docs_leads_somewhere() -> None:
    broken: list[str] = []
    for page in PAGES:
        for target in LINK.findall(page.read_text()):
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:, ui: …: not a file of this repository
            path, _, anchor = target.partition("#")
            landing = (page.parent / path).resolve() if path else page
            if not landing.exists():
                broken.append(f"{page.name}: {target} (no such file)")
            elif anchor and landing.suffix == ".md" and anchor not in anchors_of(landing):
                broken.append(f"{page.name}: {target} (no such heading)")
    assert not broken, broken
