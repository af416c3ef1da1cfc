"""Keycloak, the identity provider, from Maven Central's distribution zip, run on Temurin Java 25.

`kc.sh start-dev` (embedded H2, plain HTTP on a free loopback port) with the realm in
`infra/keycloak/magt-realm.json` imported at start; a fresh database on every start, so the realm is
always the repository's. Tests that need a realm of their own import a copy under a new name over
the admin REST API (`import_realm`).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from magt.infra.common import (
    LOOPBACK,
    Endpoint,
    InfraError,
    free_port,
    pid_alive,
    port_open,
    repo_root,
    spawn,
    state_dir,
    terminate,
    wait_until,
)

VERSION = "26.5.6"
ARTIFACT = f"org.keycloak:keycloak-quarkus-dist:{VERSION}:zip"
REALM = "magt"
AUDIENCE = "magt"  # the realm's audience mapper puts this in every access token
TEST_CLIENT = "magt-test"  # confidential client with direct grant, for tests and the demo
START_TIMEOUT_S = 180.0
JAVA_HOME_GLOBS = ("temurin-25*", "java-25*", "jdk-25*")


@dataclass(frozen=True)
class Keycloak:
    """A running Keycloak: where it answers and how the admin logs in."""

    url: str
    admin_user: str
    admin_password: str

    def issuer(self, realm: str = REALM) -> str:
        return f"{self.url}/realms/{realm}"

    def jwks_url(self, realm: str = REALM) -> str:
        return f"{self.issuer(realm)}/protocol/openid-connect/certs"

    def token_url(self, realm: str = REALM) -> str:
        return f"{self.issuer(realm)}/protocol/openid-connect/token"

    def auth_url(self, realm: str = REALM) -> str:
        return f"{self.issuer(realm)}/protocol/openid-connect/auth"

    def service_env(self, realm: str = REALM) -> dict[str, str]:
        """What a service needs to trust this realm's tokens (its issuer and published keys)."""
        return {
            "MAGT_TOKEN_ISSUER": self.issuer(realm),
            "MAGT_TOKEN_JWKS_URL": self.jwks_url(realm),
            "MAGT_TOKEN_AUDIENCE": AUDIENCE,
        }

    @staticmethod
    def of(endpoint: Endpoint) -> Keycloak:
        d = endpoint.details
        return Keycloak(
            url=d["url"], admin_user=d["admin_user"], admin_password=d["admin_password"]
        )


def keycloak_dir() -> Path:
    path = state_dir() / "keycloak"
    path.mkdir(parents=True, exist_ok=True)
    return path


def realm_file() -> Path:
    return repo_root() / "infra" / "keycloak" / "magt-realm.json"


def realm_document(name: str = REALM) -> dict[str, Any]:
    """The repository's realm, renamed to `name`."""
    document: dict[str, Any] = json.loads(realm_file().read_text())
    return {**document, "realm": name}


def java_home() -> Path:
    """Temurin Java 25 (Keycloak 26.5 needs 21+; the machine's default is 17)."""
    named = os.environ.get("MAGT_KEYCLOAK_JAVA_HOME")
    if named:
        return Path(named)
    for pattern in JAVA_HOME_GLOBS:
        for candidate in sorted(Path("/usr/lib/jvm").glob(pattern)):
            if (candidate / "bin" / "java").exists():
                return candidate
    raise InfraError("Keycloak needs Java 25: set MAGT_KEYCLOAK_JAVA_HOME to a JDK 25")


def install() -> Path:
    """Fetch the distribution zip through Maven once and unpack it; return its folder."""
    home = keycloak_dir() / f"keycloak-{VERSION}"
    if (home / "bin" / "kc.sh").exists():
        return home
    if shutil.which("mvn") is None:
        raise InfraError("Maven (mvn) is needed to fetch Keycloak; install Java and Maven")
    downloads = keycloak_dir() / "dist"
    cmd = [
        "mvn",
        "-q",
        "-B",
        "dependency:copy",
        f"-Dartifact={ARTIFACT}",
        f"-DoutputDirectory={downloads}",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise InfraError(f"Maven could not fetch Keycloak:\n{result.stdout[-2000:]}")
    with zipfile.ZipFile(downloads / f"keycloak-quarkus-dist-{VERSION}.zip") as archive:
        archive.extractall(keycloak_dir())
    for script in (home / "bin").glob("*.sh"):
        script.chmod(0o755)
    return home


def answers(url: str) -> bool:
    """True when the realm's OpenID discovery document is served."""
    try:
        reply = httpx.get(f"{url}/realms/{REALM}/.well-known/openid-configuration", timeout=3)
    except httpx.HTTPError:
        return False
    return reply.status_code == 200


def running() -> Endpoint | None:
    """The endpoint of our Keycloak when its process is alive and its port answers."""
    endpoint = Endpoint.load(keycloak_dir() / "endpoint.json")
    if endpoint and pid_alive(endpoint.pid) and port_open(int(endpoint.details["port"])):
        return endpoint
    return None


def _fresh_data(home: Path) -> None:
    """A new embedded database with the repository's realm queued for import."""
    data = home / "data"
    shutil.rmtree(data / "h2", ignore_errors=True)
    (data / "import").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(realm_file(), data / "import" / "magt-realm.json")


def ensure() -> str:
    """Start Keycloak unless it runs; return its base URL."""
    current = running()
    if current:
        return current.details["url"]
    home = install()
    _fresh_data(home)
    port, management_port = free_port(), free_port()
    url = f"http://{LOOPBACK}:{port}"
    password = secrets.token_urlsafe(18)
    env = {
        **os.environ,
        "JAVA_HOME": str(java_home()),
        "KC_BOOTSTRAP_ADMIN_USERNAME": "admin",
        "KC_BOOTSTRAP_ADMIN_PASSWORD": password,
    }
    cmd = [
        str(home / "bin" / "kc.sh"),
        "start-dev",
        f"--http-host={LOOPBACK}",
        f"--http-port={port}",
        f"--http-management-port={management_port}",
        "--import-realm",
    ]
    log = keycloak_dir() / "keycloak.log"
    process = spawn(cmd, log=log, env=env)
    details = {
        "url": url,
        "port": str(port),
        "admin_user": "admin",
        "admin_password": password,
    }
    Endpoint(pid=process.pid, details=details).save(keycloak_dir() / "endpoint.json")
    try:
        wait_until(
            lambda: answers(url), timeout=START_TIMEOUT_S, what="Keycloak", log=log, pid=process.pid
        )
    except InfraError:
        terminate(process.pid)
        raise
    return url


def current() -> Keycloak:
    """The running Keycloak (started if need be)."""
    ensure()
    endpoint = running()
    if endpoint is None:
        raise InfraError("Keycloak stopped right after it started")
    return Keycloak.of(endpoint)


def admin_token(kc: Keycloak) -> str:
    """An access token of the bootstrap admin (master realm, admin-cli)."""
    reply = httpx.post(
        kc.token_url("master"),
        data={
            "grant_type": "password",
            "client_id": "admin-cli",
            "username": kc.admin_user,
            "password": kc.admin_password,
        },
        timeout=30,
    )
    reply.raise_for_status()
    return str(reply.json()["access_token"])


def import_realm(kc: Keycloak, name: str) -> str:
    """Import the repository's realm under `name` over the admin API; return its issuer."""
    reply = httpx.post(
        f"{kc.url}/admin/realms",
        json=realm_document(name),
        headers={"Authorization": f"Bearer {admin_token(kc)}"},
        timeout=60,
    )
    if reply.status_code != 201:
        raise InfraError(f"Keycloak refused the realm {name}: HTTP {reply.status_code}")
    return kc.issuer(name)


def password_token(kc: Keycloak, username: str, password: str, *, realm: str = REALM) -> str:
    """An access token by direct grant on the test client (demo and tests; never a browser)."""
    client = next(c for c in realm_document(realm)["clients"] if c["clientId"] == TEST_CLIENT)
    reply = httpx.post(
        kc.token_url(realm),
        data={
            "grant_type": "password",
            "client_id": TEST_CLIENT,
            "client_secret": client["secret"],
            "username": username,
            "password": password,
            "scope": "openid",
        },
        timeout=30,
    )
    if reply.status_code != 200:
        raise InfraError(f"Keycloak gave no token for the demo user (HTTP {reply.status_code})")
    return str(reply.json()["access_token"])


def demo_users(realm: str = REALM) -> dict[tuple[str, str], str]:
    """The realm file's users by (role, organisation), read from their groups' attributes."""
    document = realm_document(realm)
    groups = {f"/{g['name']}": g["attributes"] for g in document["groups"]}
    users: dict[tuple[str, str], str] = {}
    for user in document["users"]:
        for group in user.get("groups", []):
            attributes = groups[group]
            users[(attributes["role"][0], attributes["org"][0])] = user["username"]
    return users


def stop() -> bool:
    """Stop our Keycloak if it runs; True when something was stopped."""
    endpoint = Endpoint.load(keycloak_dir() / "endpoint.json")
    if endpoint is None or not pid_alive(endpoint.pid):
        return False
    terminate(endpoint.pid)
    return True
