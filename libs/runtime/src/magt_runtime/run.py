"""Run one service or adapter: `python -m magt_runtime.run magt_registrering`.

Imports `<package>.app.create_app`, builds the app from its own settings and runs it until stopped.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from typing import Any


def load_app(package: str) -> Any:
    """The app built by `<package>.app.create_app()`; a clear error when the package has none."""
    try:
        module = importlib.import_module(f"{package}.app")
    except ModuleNotFoundError as error:
        raise SystemExit(f"{package} has no app module yet ({error})") from error
    return module.create_app()


def main(argv: list[str] | None = None) -> None:
    """Entry point: the package name is the only argument."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python -m magt_runtime.run <package>")
    app = load_app(args[0])
    asyncio.run(app.run())


if __name__ == "__main__":
    main()
