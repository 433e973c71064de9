"""The stylesheet and scripts the pages load: well-formed, and nothing served from elsewhere."""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "static"


def test_stylesheet_blocks_are_balanced():
    """An unclosed block makes every later rule apply only inside it (a media query, say)."""
    css = re.sub(r"/\*.*?\*/", "", (STATIC / "css" / "app.css").read_text(), flags=re.S)
    depth = 0
    for line_number, line in enumerate(css.splitlines(), 1):
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"a block closes twice near line {line_number}"
    assert depth == 0, "a block is never closed"


def test_static_files_load_nothing_from_other_hosts():
    for path in [*STATIC.rglob("*.css"), *STATIC.rglob("*.js")]:
        assert not re.search(r"(?:url\(|import\s|src=)\s*['\"]?https?://", path.read_text()), path
