"""Every module of the contracts imports on its own, in a fresh interpreter (no hidden cycles).

A cycle hidden by import order in the test run breaks the first service that imports the
module first; each module is therefore imported alone.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import magt_contracts

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(magt_contracts.__path__, prefix="magt_contracts.")
)


@pytest.mark.unit
def test_every_contracts_module_imports_alone() -> None:
    script = (
        "import subprocess, sys\n"
        "failed = []\n"
        "for name in sys.argv[1:]:\n"
        "    r = subprocess.run([sys.executable, '-c', f'import {name}'], capture_output=True)\n"
        "    if r.returncode:\n"
        "        failed.append(name + ': ' + r.stderr.decode().strip().splitlines()[-1])\n"
        "print('\\n'.join(failed))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *MODULES], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", result.stdout
