"""The local Prefect server (its SQLite default) that the main job deploys its flows to."""

from __future__ import annotations

import os
import sys
import urllib.request
from pathlib import Path

from magt.infra.common import (
    LOOPBACK,
    Endpoint,
    free_port,
    pid_alive,
    spawn,
    state_dir,
    terminate,
    wait_until,
)

START_TIMEOUT_S = 180.0


def prefect_home() -> Path:
    path = state_dir() / "prefect"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _endpoint_path() -> Path:
    return prefect_home() / "endpoint.json"


def client_env(api_url: str) -> dict[str, str]:
    """Environment that points Prefect clients (flows, CLI) at our server and our PREFECT_HOME."""
    return {"PREFECT_API_URL": api_url, "PREFECT_HOME": str(prefect_home())}


def healthy(api_url: str) -> bool:
    """True when the server's health endpoint answers."""
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:  # noqa: S310
            return int(response.status) == 200
    except OSError:
        return False


def running() -> Endpoint | None:
    endpoint = Endpoint.load(_endpoint_path())
    if endpoint and pid_alive(endpoint.pid) and healthy(endpoint.details["api_url"]):
        return endpoint
    return None


def ensure() -> str:
    """Start the Prefect server unless it runs (or MAGT_PREFECT_API_URL names one); return API URL."""
    external = os.environ.get("MAGT_PREFECT_API_URL")
    if external:
        return external
    current = running()
    if current:
        return current.details["api_url"]
    port = free_port()
    api_url = f"http://{LOOPBACK}:{port}/api"
    env = {
        **os.environ,
        **client_env(api_url),
        "PREFECT_SERVER_API_HOST": LOOPBACK,
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
    }
    env.pop("PREFECT_API_URL", None)
    log = prefect_home() / "server.log"
    cmd = [
        sys.executable,
        "-m",
        "prefect",
        "server",
        "start",
        "--host",
        LOOPBACK,
        "--port",
        str(port),
    ]
    process = spawn(cmd, log=log, env=env)
    Endpoint(
        pid=process.pid, details={"api_url": api_url, "ui_url": f"http://{LOOPBACK}:{port}"}
    ).save(_endpoint_path())
    try:
        wait_until(
            lambda: healthy(api_url),
            timeout=START_TIMEOUT_S,
            what="Prefect server",
            log=log,
            pid=process.pid,
        )
    except Exception:
        terminate(process.pid)
        raise
    return api_url


def ui_url() -> str | None:
    """Where to open the Prefect UI, when our server runs."""
    endpoint = running()
    return endpoint.details["ui_url"] if endpoint else None


def stop() -> bool:
    endpoint = Endpoint.load(_endpoint_path())
    if endpoint is None or not pid_alive(endpoint.pid):
        return False
    terminate(endpoint.pid)
    return True
