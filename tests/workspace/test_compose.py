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
    # Where tokens come from (issuer, keys' URL, audience, token endpoint) is public configuration.
    public = re.compile(r"(?i)token_(issuer|jwks_url|audience|leeway_s|url)")
    for match in re.finditer(r"(?i)\w*(password|secret|token)\w*:\s*(\S+)", text):
        if public.search(match.group(0)):
            continue
        assert match.group(2).startswith("${"), f"literal secret: {match.group(0)}"


def test_committed_kafka_security_script_matches_the_policy() -> None:
    from magt.security import acl_script

    committed = (ROOT / "docker" / "kafka-security.sh").read_text()
    assert committed == acl_script(["0851"]), (
        "run: uv run magt infra acl-script > docker/kafka-security.sh"
    )


HTTP_ONLY = {"arbejdsrum"}
"""The workspace calls the services over HTTP with the person's token; it holds no Kafka client."""


def test_every_service_connects_as_its_own_kafka_user() -> None:
    services = _compose()["services"]
    for name in _members():
        if name in HTTP_ONLY:
            assert "KAFKA_SASL_USERNAME" not in services[name]["environment"], name
            continue
        env = services[name]["environment"]
        assert env["KAFKA_SASL_USERNAME"] == f"svc-{name}"
        assert env["KAFKA_SASL_PASSWORD"].startswith("${KAFKA_PASSWORD_SVC_")
    kafka_env = services["kafka"]["environment"]
    assert kafka_env["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
    assert "PLAINTEXT://" not in kafka_env["KAFKA_LISTENERS"].replace("SASL_PLAINTEXT://", "")


PROMETHEUS = ROOT / "docker" / "prometheus"
SERIES = re.compile(r"\b(?:magt|faststream)_[a-z0-9_]+\b")


def _exported_series(tmp_path: Path) -> set[str]:
    """Every sample name the services can export: runtime, deadline and delivery metrics."""
    from magt_frister.metrics import DeadlineMetrics
    from magt_runtime.broker import create_broker
    from magt_runtime.db import make_engine
    from magt_runtime.metrics import metrics_of
    from magt_runtime.outbox import OutboxRow
    from magt_runtime.settings import ServiceSettings
    from magt_sikkermail.metrics import DeliveryMetrics

    metrics = metrics_of(create_broker(ServiceSettings(service_name="alerts")))
    engine = make_engine(f"sqlite:///{tmp_path}/outbox.db")
    OutboxRow.metadata.create_all(engine, tables=[OutboxRow.__table__])  # type: ignore[attr-defined]
    metrics.watch_outbox(engine)
    DeadlineMetrics(metrics.registry)
    DeliveryMetrics(metrics)
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum")}
    return {
        family.name + suffix
        for family in metrics.registry.collect()
        for suffix in suffixes.get(family.type, ("",))
    }


def test_prometheus_scrapes_every_service_and_loads_the_rules() -> None:
    services = _compose()["services"]
    prometheus = services["prometheus"]
    assert prometheus["image"].startswith("prom/prometheus:")
    mounted = {v.split(":")[1] for v in prometheus["volumes"] if v.startswith("./")}
    assert mounted == {"/etc/prometheus/prometheus.yml", "/etc/prometheus/alerts.yml"}
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
    targets = {
        target
        for job in config["scrape_configs"]
        for static in job["static_configs"]
        for target in static["targets"]
    }
    assert targets == {f"{name}:8000" for name in _members()}
    assert all(job["metrics_path"] == "/metrics" for job in config["scrape_configs"])


def test_every_service_is_healthy_only_when_ready() -> None:
    services = _compose()["services"]
    for name in _members():
        check = " ".join(services[name]["healthcheck"]["test"])
        assert "http://localhost:8000/ready" in check, name


def test_each_alert_names_series_the_code_exports(tmp_path: Path) -> None:
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    alerts = {r["alert"]: r for group in rules["groups"] for r in group["rules"]}
    exported = _exported_series(tmp_path)
    for name, rule in alerts.items():
        named = set(SERIES.findall(rule["expr"]))
        assert named or rule["expr"].startswith("up{"), f"{name} names no series"
        assert named <= exported, f"{name}: {sorted(named - exported)} is not exported"
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["annotations"]["summary"]
    # The four: a dead letter, an outbox older than 5 minutes, lag growing for
    # 10 minutes, a legal deadline breached.
    assert "magt_dead_letters_total" in alerts["DoedtBrev"]["expr"]
    assert "magt_outbox_oldest_unsent_age_seconds > 300" in alerts["OutboxStaarStille"]["expr"]
    lag = alerts["ForbrugerHaengerEfter"]
    assert "magt_consumer_lag[10m]" in lag["expr"]
    assert lag["for"] == "10m"
    assert "magt_deadlines_breached_total" in alerts["FristOverskredet"]["expr"]
