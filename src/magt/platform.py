"""The platform as real processes: every service and adapter started, watched, killed, restarted.

Used by the main job (`magt demo`), the end-to-end and fault tests and the load benchmark. Each
process is `python -m magt_runtime.run magt_<name>` with its own HTTP port, its own database and
the shared environment (Kafka, topic namespace, token secret, payload keys). Logs go to one file
per process so a test can read every line that was written.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from magt.infra.common import LOOPBACK, InfraError, free_port, pid_alive, spawn, terminate
from magt_runtime.auth import DEFAULT_MAX_LIFETIME, Principal

ALL = ("registrering", "routing", "frister", "klager", "statistik", "bosted", "nexus", "sikkermail")
START_TIMEOUT_S = 90.0


@dataclass
class Process:
    """One running replica."""

    name: str
    replica: int
    port: int
    pid: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"


@dataclass
class Platform:
    """Starts and supervises service processes; `stop()` ends everything it started."""

    env: Mapping[str, str]
    log_dir: Path
    service_env: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    service_tokens: Mapping[str, str] = field(default_factory=dict)
    """Bearer tokens of the services that open sealed reports (see `service_tokens`)."""
    processes: dict[tuple[str, int], Process] = field(default_factory=dict)

    def start(self, name: str, replica: int = 0, *, wait: bool = True) -> Process:
        """Start one replica (on the port it had before, if restarted) and wait until healthy."""
        previous = self.processes.get((name, replica))
        port = previous.port if previous else free_port()
        env = {
            **os.environ,
            **self.env,
            **self.service_env.get(name, {}),
            **self._key_service_env(name),
            "MAGT_HTTP_HOST": LOOPBACK,
            "MAGT_HTTP_PORT": str(port),
        }
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"{name}-{replica}.log"
        child = spawn([sys.executable, "-m", "magt_runtime.run", f"magt_{name}"], log=log, env=env)
        process = Process(name, replica, port, child.pid, log)
        self.processes[(name, replica)] = process
        if wait:
            self.wait_healthy(process)
        return process

    def _key_service_env(self, name: str) -> dict[str, str]:
        """Where a service that opens reports fetches case keys: registrering's first replica."""
        token = self.service_tokens.get(name)
        registrering = self.processes.get(("registrering", 0))
        if token is None or registrering is None:
            return {}
        return {"MAGT_KEY_SERVICE_URL": registrering.url, "MAGT_SERVICE_TOKEN": token}

    def start_all(self, names: tuple[str, ...] = ALL, replicas: int = 1) -> None:
        names = tuple(
            sorted(names, key=lambda n: n != "registrering")
        )  # its URL is the key service
        for name in names:
            for replica in range(replicas):
                self.start(name, replica, wait=False)
        for process in list(self.processes.values()):
            self.wait_healthy(process)

    def wait_healthy(self, process: Process, timeout: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not pid_alive(process.pid):
                tail = process.log.read_text(errors="replace")[-3000:]
                raise InfraError(f"{process.name} died while starting:\n{tail}")
            try:
                if httpx.get(f"{process.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise InfraError(f"{process.name} did not become healthy within {timeout:.0f} s")

    def url(self, name: str, replica: int = 0) -> str:
        return self.processes[(name, replica)].url

    def kill(self, name: str, replica: int = 0) -> None:
        """`kill -9`: no shutdown hooks, no flushing; whatever was in flight is cut off."""
        process = self.processes[(name, replica)]
        os.killpg(process.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while pid_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)

    def restart(self, name: str, replica: int = 0) -> Process:
        self.kill(name, replica)
        return self.start(name, replica)

    def stop(self) -> None:
        for process in self.processes.values():
            terminate(process.pid, timeout=15)

    def logs(self) -> dict[str, str]:
        """Every log line every process wrote, per process."""
        return {
            f"{p.name}-{p.replica}": p.log.read_text(errors="replace")
            for p in self.processes.values()
            if p.log.exists()
        }


@dataclass(frozen=True)
class Secrets:
    """The secrets one platform run shares (generated fresh; never written to the repository).

    Bearer tokens need none: services check them against the identity provider's public keys.
    """

    payload_key: str
    storage_key: str
    person_ref_secret: str
    case_id_secret: str

    @staticmethod
    def generate() -> Secrets:
        import secrets as _secrets

        from magt_runtime.crypto import FieldCipher

        return Secrets(
            payload_key=FieldCipher.new_key(),
            storage_key=FieldCipher.new_key(),
            person_ref_secret=_secrets.token_urlsafe(32),
            case_id_secret=_secrets.token_urlsafe(32),
        )


def shared_env(
    bootstrap: str, namespace: str, secrets: Secrets, tokens: Mapping[str, str]
) -> dict[str, str]:
    """What every process reads: Kafka, the topic namespace, the platform's secrets, JSON logs,
    and `tokens`: whose bearer tokens to trust (`MAGT_TOKEN_ISSUER`, `MAGT_TOKEN_JWKS_URL` or
    `MAGT_TOKEN_JWKS`, from Keycloak or the test issuer)."""
    return {
        **tokens,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "MAGT_TOPIC_NAMESPACE": namespace,
        "MAGT_PAYLOAD_KEYS": secrets.payload_key,
        "MAGT_PERSON_REF_SECRET": secrets.person_ref_secret,
        "MAGT_CASE_ID_SECRET": secrets.case_id_secret,
        "MAGT_REGISTRERING_STORAGE_KEYS": secrets.storage_key,
        "MAGT_LOG_JSON": "true",
    }


KEY_OPENERS = ("sikkermail", "bosted", "nexus")
"""The services that open sealed reports and so fetch case keys from registrering."""
SERVICE_TOKEN_TTL = DEFAULT_MAX_LIFETIME  # the longest a service accepts (magt_runtime.auth)


def service_tokens(issuer: Any, names: Iterable[str] = KEY_OPENERS) -> dict[str, str]:
    """A bearer token per service (role `tjeneste`, organisation = the service) from `issuer`.

    The local stack has no identity provider: the run's own issuer (`magt.testing.tokens`), which
    signs the people's tokens of the scenarios and whose keys every service trusts, mints the
    services' tokens the same way, valid for the longest lifetime a service accepts (12 h): a
    local stack kept running longer must be restarted. In
    production each service gets its Keycloak service account instead (client credentials).
    """
    return {
        name: issuer.token(
            Principal(subject=f"svc-{name}", role="tjeneste", organisation=name),
            ttl=SERVICE_TOKEN_TTL,
        )
        for name in names
    }


def database_env(urls: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Each service its own database: `MAGT_<SERVICE>_DATABASE_URL`, which the service migrates
    itself at start (the platform's databases are made for the run, PostgreSQL ones too)."""
    return {
        name: {
            f"MAGT_{name.upper()}_DATABASE_URL": url,
            f"MAGT_{name.upper()}_DB_AUTO_UPGRADE": "true",
        }
        for name, url in urls.items()
    }


WORKSPACE = "arbejdsrum"
"""The workspace people log in to; started beside the services when a Keycloak runs (demo)."""


def trusting_keycloak(own_keys: Mapping[str, Any], kc: Any) -> dict[str, str]:
    """Token settings trusting a run's own signing key and the realm's published keys at once.

    Both sign with the realm's issuer, so the scenarios' tokens and the people who log in at
    Keycloak (the workspace) are accepted by the same services in one run.
    """
    published = httpx.get(kc.jwks_url(), timeout=10).json().get("keys", [])
    signing = [k for k in published if k.get("use", "sig") == "sig" and k.get("alg") == "RS256"]
    return {
        "MAGT_TOKEN_ISSUER": kc.issuer(),
        "MAGT_TOKEN_AUDIENCE": "magt",
        "MAGT_TOKEN_JWKS": json.dumps({"keys": [*own_keys["keys"], *signing]}),
    }


def workspace_env(urls: Mapping[str, str], *, issuer: str, database_url: str) -> dict[str, str]:
    """The workspace's environment: the services' addresses and the realm to log in at."""
    prefix = "MAGT_ARBEJDSRUM_"
    env = {f"{prefix}{name.upper()}_URL": url for name, url in urls.items()}
    env.update(
        {
            f"{prefix}OIDC_ISSUER": issuer,
            f"{prefix}DATABASE_URL": database_url,
            f"{prefix}DB_AUTO_UPGRADE": "true",
        }
    )
    if "statistik" in urls:
        env[f"{prefix}STATISTIK_URL"] = f"{urls['statistik']}/dashboard"
    return env


def merge_env(*parts: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for part in parts:
        for name, values in part.items():
            merged.setdefault(name, {}).update(values)
    return merged
