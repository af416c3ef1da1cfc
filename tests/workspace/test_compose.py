"""docker-compose.yml names every service and adapter, and every Dockerfile it references exists."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def _members() -> list[str]:
    return sorted(
        p.parent.name
        for p in ROOT.glob("*/*/pyproject.toml")
        if p.parts[-3] in {"services", "adapters"}
    )


def test_every_package_has_a_service_entry_building_itself() -> None:
    services = _compose()["services"]
    for name in _members():
        assert name in services, f"{name} is missing from docker-compose.yml"
        assert services[name]["build"]["args"]["PACKAGE"] == f"magt_{name}"


def test_infrastructure_is_there_with_health_checks_and_named_volumes() -> None:
    compose = _compose()
    for name in ("kafka", "postgres", "prefect"):
        assert "healthcheck" in compose["services"][name]
    assert set(compose["volumes"]) >= {"kafka-data", "postgres-data", "prefect-data"}
    kafka_env = compose["services"]["kafka"]["environment"]
    assert kafka_env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert kafka_env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"


def test_every_referenced_dockerfile_and_mounted_file_exists() -> None:
    for name, service in _compose()["services"].items():
        build = service.get("build")
        if build:
            assert (ROOT / build["context"] / build["dockerfile"]).exists(), name
        for volume in service.get("volumes", []):
            if volume.startswith("./"):
                assert (ROOT / volume.split(":")[0]).exists(), volume


def test_no_secret_is_written_in_the_file() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    for match in re.finditer(r"(?i)(password|secret|token)\w*:\s*(\S+)", text):
        assert match.group(2).startswith("${"), f"literal secret: {match.group(0)}"


def test_committed_kafka_security_script_matches_the_policy() -> None:
    from magt.security import acl_script

    committed = (ROOT / "docker" / "kafka-security.sh").read_text()
    assert committed == acl_script(["0851"]), (
        "run: uv run magt infra acl-script > docker/kafka-security.sh"
    )


def test_every_service_connects_as_its_own_kafka_user() -> None:
    services = _compose()["services"]
    for name in _members():
        env = services[name]["environment"]
        assert env["KAFKA_SASL_USERNAME"] == f"svc-{name}"
        assert env["KAFKA_SASL_PASSWORD"].startswith("${KAFKA_PASSWORD_SVC_")
    kafka_env = services["kafka"]["environment"]
    assert kafka_env["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
    assert "PLAINTEXT://" not in kafka_env["KAFKA_LISTENERS"].replace("SASL_PLAINTEXT://", "")
