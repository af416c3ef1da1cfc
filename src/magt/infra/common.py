"""Helpers shared by the infrastructure scripts: the state folder, ports, pid files and waiting."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

LOOPBACK = "127.0.0.1"


class InfraError(RuntimeError):
    """A local server could not be installed, started or reached."""


def repo_root() -> Path:
    """The checkout this package was installed from (the folder holding infra/)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "infra" / "kafka" / "pom.xml").exists():
            return parent
    return Path.cwd()


def state_dir() -> Path:
    """The one git-ignored folder that holds every server's data, logs and pid files."""
    path = Path(os.environ.get("MAGT_STATE_DIR", repo_root() / ".state")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = LOOPBACK) -> bool:
    """True when something accepts TCP connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def pid_alive(pid: int) -> bool:
    """True when the process exists (and is not a zombie we own)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return done == 0


def wait_until(
    check: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    log: Path | None,
    pid: int | None = None,
) -> None:
    """Poll `check` until true; raise InfraError (naming the log) on timeout or when `pid` dies."""
    hint = f"; see {log}" if log else ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if pid is not None and not pid_alive(pid):
            raise InfraError(f"{what} exited while starting{hint}")
        time.sleep(0.3)
    raise InfraError(f"{what} did not answer within {timeout:.0f} s{hint}")


@dataclass(frozen=True)
class Endpoint:
    """What a started server left behind: its pid and connection details, stored as JSON."""

    pid: int
    details: dict[str, str]

    @staticmethod
    def load(path: Path) -> Endpoint | None:
        if not path.exists():
            return None
        raw = json.loads(path.read_text())
        return Endpoint(pid=int(raw["pid"]), details=dict(raw["details"]))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"pid": self.pid, "details": self.details}, indent=2))
        path.chmod(0o600)


def spawn(
    cmd: list[str], *, log: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start a long-running server in its own session so Ctrl-C of the caller does not hit it."""
    handle = log.open("ab")
    return subprocess.Popen(  # noqa: S603 - fixed argument lists built by this package
        cmd,
        stdout=handle,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )


def terminate(pid: int, *, timeout: float = 30.0) -> None:
    """SIGTERM the process group, then SIGKILL it if it outlives `timeout`."""
    if not pid_alive(pid):
        return
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and pid_alive(pid):
        time.sleep(0.2)
    if pid_alive(pid):
        _signal_group(pid, signal.SIGKILL)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
