"""A private PostgreSQL cluster from Debian's packages, run with pg_ctl on a free loopback port."""

from __future__ import annotations

import glob
import hashlib
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

from magt.infra.common import (
    LOOPBACK,
    Endpoint,
    InfraError,
    free_port,
    pid_alive,
    port_open,
    state_dir,
    wait_until,
)

SERVER_USER = "postgres"
SUPERUSER = "magt"


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version_key)
    return Path(found[-1]).parent if found else None


def _version_key(path: str) -> int:
    part = path.split("/")[4]
    return int(part) if part.isdigit() else 0


def install() -> Path:
    """Install the server from Debian's packages when it is missing; return its bin folder."""
    found = _bin_dir()
    if found:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise InfraError("PostgreSQL is missing: install it (Debian: apt-get install postgresql)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "postgresql"]):
        result = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)  # noqa: S603
        if result.returncode != 0:
            raise InfraError(
                f"{' '.join(cmd)} failed:\n{result.stdout[-1500:]}{result.stderr[-1500:]}"
            )
    found = _bin_dir()
    if found is None:
        raise InfraError("PostgreSQL was installed but pg_ctl was not found")
    return found


def _runs_as_root() -> bool:
    return os.geteuid() == 0


def _as_server_user(cmd: list[str]) -> list[str]:
    """The server refuses to run as root: run its commands as the unprivileged `postgres` user."""
    return ["runuser", "-u", SERVER_USER, "--", *cmd] if _runs_as_root() else cmd


def _base() -> Path:
    """Our cluster's folder: in the state folder when the server user can reach it, else in /tmp."""
    preferred = state_dir() / "postgres"
    if not _runs_as_root() or _reachable_by_server_user(preferred.parent):
        return preferred
    digest = hashlib.sha256(str(preferred).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"magt-postgres-{digest}"


def _reachable_by_server_user(path: Path) -> bool:
    command = ["runuser", "-u", SERVER_USER, "--", "test", "-x", str(path)]
    result = subprocess.run(command, check=False)  # noqa: S603
    return result.returncode == 0


def _prepare(base: Path) -> None:
    base.mkdir(parents=True, exist_ok=True)
    (base / "run").mkdir(exist_ok=True)
    if _runs_as_root():
        user = pwd.getpwnam(SERVER_USER)
        for path in (base, base / "run"):
            os.chown(path, user.pw_uid, user.pw_gid)


def _initdb(bin_dir: Path, base: Path) -> str:
    data = base / "data"
    password_file = base / "password"
    if (data / "PG_VERSION").exists():
        return password_file.read_text().strip()
    password = secrets.token_urlsafe(18)
    with tempfile.NamedTemporaryFile("w", dir=base, delete=False) as handle:
        handle.write(password)
    pw_tmp = Path(handle.name)
    if _runs_as_root():
        user = pwd.getpwnam(SERVER_USER)
        os.chown(pw_tmp, user.pw_uid, user.pw_gid)
    cmd = [
        str(bin_dir / "initdb"),
        "-D",
        str(data),
        "-U",
        SUPERUSER,
        "--auth=scram-sha-256",
        f"--pwfile={pw_tmp}",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
    ]
    result = subprocess.run(_as_server_user(cmd), capture_output=True, text=True, check=False)  # noqa: S603
    pw_tmp.unlink()
    if result.returncode != 0:
        raise InfraError(f"initdb failed:\n{result.stdout}{result.stderr}")
    password_file.write_text(password)
    password_file.chmod(0o600)
    return password


def _url(password: str, port: int, database: str = "postgres") -> str:
    return f"postgresql+psycopg://{SUPERUSER}:{password}@{LOOPBACK}:{port}/{database}"


def _endpoint_path() -> Path:
    return state_dir() / "postgres.json"


def running() -> Endpoint | None:
    """Our cluster's endpoint when its postmaster is alive and its port answers."""
    endpoint = Endpoint.load(_endpoint_path())
    if endpoint and pid_alive(endpoint.pid) and port_open(int(endpoint.details["port"])):
        return endpoint
    return None


def ensure() -> str:
    """Return an admin URL: DATABASE_URL when set, else our private cluster (started if needed)."""
    external = os.environ.get("DATABASE_URL")
    if external:
        return external
    current = running()
    if current:
        return current.details["url"]
    bin_dir = install()
    base = _base()
    _prepare(base)
    password = _initdb(bin_dir, base)
    previous = Endpoint.load(_endpoint_path())
    port = int(previous.details["port"]) if previous else free_port()
    if port_open(port):
        port = free_port()
    log = base / "server.log"
    options = f"-p {port} -c listen_addresses={LOOPBACK} -k {base / 'run'} -c max_connections=300"
    cmd = [
        str(bin_dir / "pg_ctl"),
        "-D",
        str(base / "data"),
        "-l",
        str(log),
        "-o",
        options,
        "-w",
        "-t",
        "60",
        "start",
    ]
    result = subprocess.run(_as_server_user(cmd), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise InfraError(f"PostgreSQL did not start:\n{result.stdout}{result.stderr}; see {log}")
    pid = int((base / "data" / "postmaster.pid").read_text().splitlines()[0])
    url = _url(password, port)
    Endpoint(pid=pid, details={"url": url, "port": str(port), "base": str(base)}).save(
        _endpoint_path()
    )
    wait_until(lambda: _answers(url), timeout=60, what="PostgreSQL", log=log)
    return url


def _answers(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url.replace("+psycopg", ""), connect_timeout=2) as conn:
            conn.execute("select 1")
        return True
    except psycopg.OperationalError:
        return False


def stop() -> bool:
    """Stop our cluster with pg_ctl (fast mode); True when something was stopped."""
    endpoint = Endpoint.load(_endpoint_path())
    bin_dir = _bin_dir()
    if endpoint is None or bin_dir is None or not pid_alive(endpoint.pid):
        return False
    data = Path(endpoint.details["base"]) / "data"
    cmd = [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]
    subprocess.run(_as_server_user(cmd), capture_output=True, check=False)  # noqa: S603
    return True


def create_database(admin_url: str, name: str) -> str:
    """Create a fresh database on the server behind `admin_url` and return its URL."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    head, _, _ = admin_url.rpartition("/")
    return f"{head}/{name}"
