"""Write docs/law.md from the catalogue: `uv run python scripts/law_table.py [--check]`."""

from __future__ import annotations

import sys
from pathlib import Path

from magt_contracts.lovtabel import markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "law.md"


def main(argv: list[str]) -> int:
    """Write the table, or with --check exit 1 when the committed file differs."""
    tekst = markdown()
    if "--check" in argv:
        ens = DOC.exists() and DOC.read_text(encoding="utf-8") == tekst
        print("docs/law.md er opdateret." if ens else "docs/law.md skal genereres igen.")
        return 0 if ens else 1
    DOC.write_text(tekst, encoding="utf-8")
    print(f"Skrev {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
