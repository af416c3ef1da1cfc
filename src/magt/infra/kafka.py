"""A single Apache Kafka node in KRaft mode, resolved through Maven and run as a plain JVM process."""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import subprocess
import uuid
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient

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

START_TIMEOUT_S = 120.0


def kafka_dir() -> Path:
    path = state_dir() / "kafka"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _pom() -> Path:
    return repo_root() / "infra" / "kafka" / "pom.xml"


def resolve_jars() -> Path:
    """Copy the Kafka server and its runtime dependencies into the cache once; return the folder."""
    libs = kafka_dir() / "libs"
    stamp = libs / ".pom-stamp"
    pom_text = _pom().read_text()
    if stamp.exists() and stamp.read_text() == pom_text:
        return libs
    if shutil.which("mvn") is None:
        raise InfraError("Maven (mvn) is needed to fetch Apache Kafka; install Java 17 and Maven")
    if libs.exists():
        shutil.rmtree(libs)
    cmd = [
        "mvn",
        "-q",
        "-B",
        "-f",
        str(_pom()),
        "dependency:copy-dependencies",
        "-DincludeScope=runtime",
        f"-DoutputDirectory={libs}",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise InfraError(f"Maven could not resolve Kafka:\n{result.stdout[-2000:]}")
    stamp.write_text(pom_text)
    return libs


def _properties(data: Path, port: int, controller_port: int) -> str:
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.bootstrap.servers={LOOPBACK}:{controller_port}",
            f"listeners=PLAINTEXT://{LOOPBACK}:{port},CONTROLLER://{LOOPBACK}:{controller_port}",
            f"advertised.listeners=PLAINTEXT://{LOOPBACK}:{port}",
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name=PLAINTEXT",
            f"log.dirs={data}",
            # Our code creates every topic itself, with explicit partitions and settings.
            "auto.create.topics.enable=false",
            "num.partitions=3",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=10",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "log.retention.hours=168",
            "",
        ]
    )


def _java_cmd(libs: Path, *args: str) -> list[str]:
    log_dir = kafka_dir() / "logs"
    log_dir.mkdir(exist_ok=True)
    log_config = repo_root() / "infra" / "kafka" / "log4j2.properties"
    heap = os.environ.get("MAGT_KAFKA_HEAP", "-Xmx768m -Xms256m").split()
    return [
        "java",
        *heap,
        "-XX:+UseG1GC",
        "-Djava.awt.headless=true",
        f"-Dkafka.logs.dir={log_dir}",
        f"-Dlog4j2.configurationFile={log_config}",
        "-cp",
        f"{libs}/*",
        *args,
    ]


def _format_storage(libs: Path, config: Path, data: Path) -> None:
    if (data / "meta.properties").exists():
        return
    cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    cmd = _java_cmd(
        libs,
        "kafka.tools.StorageTool",
        "format",
        "--standalone",
        "-t",
        cluster_id,
        "-c",
        str(config),
    )
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise InfraError(f"Kafka storage could not be formatted:\n{result.stdout}{result.stderr}")


def answers(bootstrap: str) -> bool:
    """True when the broker serves metadata (not merely accepts TCP)."""

    async def probe() -> bool:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
        try:
            await admin.start()
            await admin.list_topics()
            return True
        except Exception:
            return False
        finally:
            await admin.close()

    return asyncio.run(probe())


def running() -> Endpoint | None:
    """The endpoint of our Kafka when its process is alive and its port answers."""
    endpoint = Endpoint.load(kafka_dir() / "endpoint.json")
    if endpoint and pid_alive(endpoint.pid) and port_open(int(endpoint.details["port"])):
        return endpoint
    return None


def ensure() -> str:
    """Start Kafka unless it runs (or KAFKA_BOOTSTRAP_SERVERS names one); return bootstrap."""
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if external:
        return external
    current = running()
    if current:
        return current.details["bootstrap"]
    libs = resolve_jars()
    base = kafka_dir()
    data = base / "data"
    config = base / "server.properties"
    previous = Endpoint.load(base / "endpoint.json")
    port = int(previous.details["port"]) if previous else free_port()
    controller_port = int(previous.details["controller_port"]) if previous else free_port()
    if port_open(port) or port_open(controller_port):
        port, controller_port = free_port(), free_port()
    config.write_text(_properties(data, port, controller_port))
    _format_storage(libs, config, data)
    log = base / "logs" / "stdout.log"
    process = spawn(_java_cmd(libs, "kafka.Kafka", str(config)), log=log)
    bootstrap = f"{LOOPBACK}:{port}"
    endpoint = Endpoint(
        pid=process.pid,
        details={
            "bootstrap": bootstrap,
            "port": str(port),
            "controller_port": str(controller_port),
        },
    )
    endpoint.save(base / "endpoint.json")
    try:
        wait_until(
            lambda: port_open(port) and answers(bootstrap),
            timeout=START_TIMEOUT_S,
            what="Kafka",
            log=base / "logs" / "server.log",
            pid=process.pid,
        )
    except InfraError:
        terminate(process.pid)
        raise
    return bootstrap


def stop() -> bool:
    """Stop our Kafka if it runs; True when something was stopped."""
    endpoint = Endpoint.load(kafka_dir() / "endpoint.json")
    if endpoint is None or not pid_alive(endpoint.pid):
        return False
    terminate(endpoint.pid)
    return True
