"""Run one service or adapter: `python -m magt_runtime.run magt_registrering`.

Every service's `app.create_app()` returns an ASGI app (FastAPI) whose lifespan starts its broker
and outbox relay; this serves it with uvicorn on the host and port from the environment.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import uvicorn


def load_app(package: str) -> Any:
    """The app built by `<package>.app.create_app()`; a clear error when the package has none."""
    try:
        module = importlib.import_module(f"{package}.app")
    except ModuleNotFoundError as error:
        raise SystemExit(f"{package} has no app module ({error})") from error
    return module.create_app()


def main(argv: list[str] | None = None) -> None:
    """Entry point: the package name is the only argument; MAGT_HTTP_HOST/PORT pick the socket."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python -m magt_runtime.run <package>")
    host = os.environ.get("MAGT_HTTP_HOST", "127.0.0.1")
    port = int(os.environ.get("MAGT_HTTP_PORT", "8000"))
    uvicorn.run(load_app(args[0]), host=host, port=port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
