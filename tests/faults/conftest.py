"""Makes the folder's shared harness module (`fejlverden`) importable by its test modules."""

from __future__ import annotations

import sys
from pathlib import Path

_HER = str(Path(__file__).resolve().parent)
if _HER not in sys.path:
    sys.path.insert(0, _HER)
