"""Kafka with SASL/SCRAM and ACLs: every service and every municipality its own user.

A second, separate KRaft node (state in `.state/kafka-secure`) for the security tests and for
running the platform as production does. Clients authenticate with SCRAM-SHA-512 on loopback;
the broker-to-controller link uses PLAIN with the admin user. `allow.everyone.if.no.acl.found` is
off: a user may do exactly what `magt.security.acl_policy` grants it and nothing else.

Users are created when the storage is formatted (`--add-scram`), so adding a user later means
`add_users` (Kafka's ConfigCommand); ACLs are applied with Kafka's own AclCommand. Passwords are
generated once and kept in `.state/kafka-secure/credentials.json` (mode 0600).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from magt.infra.common import (
    LOOPBACK,
    Endpoint,
    InfraError,
    free_port,
    pid_alive,
    port_open,
    spawn,
    state_dir,
    terminate,
    wait_until,
)
from magt.infra.kafka import START_TIMEOUT_S, _java_cmd, resolve_jars
from magt.security import Grant

ADMIN = "admin"
MECHANISM = "SCRAM-SHA-512"


@dataclass(frozen=True)
class SecureKafka:
    """A running secured node: where it is and the admin's client settings."""

    bootstrap: str
    admin_password: str

    def client_kwargs(self, user: str, password: str) -> dict[str, str]:
        """aiokafka arguments for `user`."""
        return {
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": MECHANISM,
            "sasl_plain_username": user,
            "sasl_plain_password": password,
        }

    def admin_kwargs(self) -> dict[str, str]:
        return self.client_kwargs(ADMIN, self.admin_password)


def secure_dir() -> Path:
    path = state_dir() / "kafka-secure"
    path.mkdir(parents=True, exist_ok=True)
    return path


def credentials() -> dict[str, str]:
    """User → password of every user created so far (admin included)."""
    path = secure_dir() / "credentials.json"
    if not path.exists():
        return {}
    loaded: dict[str, str] = json.loads(path.read_text())
    return loaded


def _save_credentials(creds: dict[str, str]) -> None:
    path = secure_dir() / "credentials.json"
    path.write_text(json.dumps(creds, indent=2, sort_keys=True))
    path.chmod(0o600)


def _properties(data: Path, port: int, controller_port: int, admin_password: str) -> str:
    scram = (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="{ADMIN}" password="{admin_password}";'
    )
    plain = (
        "org.apache.kafka.common.security.plain.PlainLoginModule required "
        f'username="{ADMIN}" password="{admin_password}" user_{ADMIN}="{admin_password}";'
    )
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.bootstrap.servers={LOOPBACK}:{controller_port}",
            f"listeners=SASL_PLAINTEXT://{LOOPBACK}:{port},CONTROLLER://{LOOPBACK}:{controller_port}",
            f"advertised.listeners=SASL_PLAINTEXT://{LOOPBACK}:{port}",
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT",
            "inter.broker.listener.name=SASL_PLAINTEXT",
            f"sasl.mechanism.inter.broker.protocol={MECHANISM}",
            "sasl.mechanism.controller.protocol=PLAIN",
            f"listener.name.sasl_plaintext.sasl.enabled.mechanisms={MECHANISM}",
            f"listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config={scram}",
            "listener.name.controller.sasl.enabled.mechanisms=PLAIN",
            f"listener.name.controller.plain.sasl.jaas.config={plain}",
            "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            f"super.users=User:{ADMIN}",
            "allow.everyone.if.no.acl.found=false",
            f"log.dirs={data}",
            "auto.create.topics.enable=false",
            "num.partitions=3",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=10",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "",
        ]
    )


def _admin_config(bootstrap_password: str) -> Path:
    path = secure_dir() / "admin.properties"
    path.write_text(
        "\n".join(
            [
                "security.protocol=SASL_PLAINTEXT",
                f"sasl.mechanism={MECHANISM}",
                "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule "
                f'required username="{ADMIN}" password="{bootstrap_password}";',
                "",
            ]
        )
    )
    path.chmod(0o600)
    return path


def _run_tool(args: list[str], what: str) -> None:
    libs = resolve_jars()
    result = subprocess.run(  # noqa: S603
        _java_cmd(libs, *args), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        # The tools echo their arguments, never the passwords (those are in files).
        raise InfraError(f"{what} failed:\n{result.stdout[-1500:]}{result.stderr[-1500:]}")


def running() -> SecureKafka | None:
    endpoint = Endpoint.load(secure_dir() / "endpoint.json")
    creds = credentials()
    if endpoint and pid_alive(endpoint.pid) and port_open(int(endpoint.details["port"])):
        return SecureKafka(endpoint.details["bootstrap"], creds[ADMIN])
    return None


def ensure(users: list[str]) -> SecureKafka:
    """Start the secured node unless it runs; make sure every user in `users` exists."""
    current = running()
    if current:
        add_users(current, users)
        return current
    libs = resolve_jars()
    base = secure_dir()
    data = base / "data"
    creds = credentials()
    fresh = not (data / "meta.properties").exists()
    if fresh:
        creds = {ADMIN: secrets.token_urlsafe(24)}
    for user in users:
        creds.setdefault(user, secrets.token_urlsafe(24))
    previous = Endpoint.load(base / "endpoint.json")
    port = int(previous.details["port"]) if previous else free_port()
    controller_port = int(previous.details["controller_port"]) if previous else free_port()
    if port_open(port) or port_open(controller_port):
        port, controller_port = free_port(), free_port()
    config = base / "server.properties"
    config.write_text(_properties(data, port, controller_port, creds[ADMIN]))
    config.chmod(0o600)
    if fresh:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        scram = [
            arg
            for user, password in sorted(creds.items())
            for arg in ("--add-scram", f"{MECHANISM}=[name={user},password={password}]")
        ]
        _run_tool(
            ["kafka.tools.StorageTool", "format", "--standalone", "-t", cluster_id, "-c",
             str(config), *scram],
            "formatting the secured Kafka storage",
        )  # fmt: skip
    _save_credentials(creds)
    process = spawn(_java_cmd(libs, "kafka.Kafka", str(config)), log=base / "stdout.log")
    endpoint = Endpoint(
        pid=process.pid,
        details={
            "bootstrap": f"{LOOPBACK}:{port}",
            "port": str(port),
            "controller_port": str(controller_port),
        },
    )
    endpoint.save(base / "endpoint.json")
    node = SecureKafka(f"{LOOPBACK}:{port}", creds[ADMIN])
    try:
        wait_until(
            lambda: port_open(port) and _answers(node),
            timeout=START_TIMEOUT_S,
            what="secured Kafka",
            log=base / "stdout.log",
            pid=process.pid,
        )
    except InfraError:
        terminate(process.pid)
        raise
    if not fresh:
        add_users(node, users)
    return node


def _answers(node: SecureKafka) -> bool:
    import asyncio

    from aiokafka.admin import AIOKafkaAdminClient

    async def probe() -> bool:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=node.bootstrap, request_timeout_ms=3000, **node.admin_kwargs()
        )
        try:
            await admin.start()
            await admin.list_topics()
            return True
        except Exception:
            return False
        finally:
            await admin.close()

    return asyncio.run(probe())


def add_users(node: SecureKafka, users: list[str]) -> dict[str, str]:
    """Create the users that do not exist yet (Kafka's ConfigCommand); return all credentials."""
    creds = credentials()
    admin_config = _admin_config(node.admin_password)
    for user in users:
        if user in creds:
            continue
        password = secrets.token_urlsafe(24)
        _run_tool(
            ["kafka.admin.ConfigCommand", "--bootstrap-server", node.bootstrap,
             "--command-config", str(admin_config), "--alter", "--entity-type", "users",
             "--entity-name", user, "--add-config", f"{MECHANISM}=[password={password}]"],
            f"creating Kafka user {user}",
        )  # fmt: skip
        creds[user] = password
        _save_credentials(creds)
    return creds


def apply_grants(node: SecureKafka, grants: list[Grant]) -> None:
    """Apply ACLs with Kafka's AclCommand (one call per grant; each call is idempotent)."""
    admin_config = _admin_config(node.admin_password)
    for grant in grants:
        resource_args: list[str] = []
        for topic in grant.topics:
            resource_args += ["--topic", topic]
        for group in grant.groups:
            resource_args += ["--group", group]
        if grant.cluster:
            resource_args.append("--cluster")
        ops = [arg for op in grant.operations for arg in ("--operation", op)]
        _run_tool(
            ["org.apache.kafka.tools.AclCommand", "--bootstrap-server", node.bootstrap,
             "--command-config", str(admin_config), "--add", "--force",
             "--allow-principal", f"User:{grant.user}", *ops, *resource_args,
             "--resource-pattern-type", grant.pattern],
            f"granting {grant.user} {'/'.join(grant.operations)}",
        )  # fmt: skip


def stop() -> bool:
    endpoint = Endpoint.load(secure_dir() / "endpoint.json")
    if endpoint is None or not pid_alive(endpoint.pid):
        return False
    terminate(endpoint.pid)
    return True


def env_for(user: str) -> dict[str, str]:
    """Environment for a process that connects as `user` (read by ServiceSettings)."""
    node = running()
    if node is None:
        raise InfraError("the secured Kafka does not run: `magt infra up --secure`")
    return {
        "KAFKA_BOOTSTRAP_SERVERS": node.bootstrap,
        "KAFKA_SASL_USERNAME": user,
        "KAFKA_SASL_PASSWORD": credentials()[user],
        **({"PATH": os.environ["PATH"]} if "PATH" in os.environ else {}),
    }
