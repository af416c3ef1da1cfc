"""Who may read and write which Kafka topic: the platform's ACL policy, in one place.

Every service and adapter connects as its own user and may read only the topics it consumes
and write only its own topics (events live on their producer's topics, commands on their
consumer's; adapters write the intake commands). Each municipality and each Socialtilsyn
gets a user that reads its own per-recipient topic and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from magt_contracts import topics as t
from magt_contracts.topics import recipient_topic
from magt_runtime.deadletter import dead_letter_topic

COMMANDS = frozenset(
    {
        t.SUBMIT_FORM,
        t.COMPLETE_LEADER_PART,
        t.APPROVE_REPORT,
        t.CORRECT_FORM,
        t.SUBMIT_COMPLAINT,
        t.RECORD_RECONSIDERATION,
        t.RECORD_COMPLAINT_DECISION,
    }
)
EVENTS = tuple(topic for topic in t.ALL_TOPICS if topic not in COMMANDS)


@dataclass(frozen=True)
class Access:
    """What one service or adapter consumes and produces."""

    reads: tuple[str, ...]
    write_prefixes: tuple[str, ...] = ()
    write_topics: tuple[str, ...] = ()


_INTAKE_WRITES = (t.SUBMIT_FORM, t.CORRECT_FORM, t.SUBMIT_COMPLAINT)

SERVICE_ACCESS: dict[str, Access] = {
    "registrering": Access(
        reads=(
            t.SUBMIT_FORM,
            t.COMPLETE_LEADER_PART,
            t.APPROVE_REPORT,
            t.CORRECT_FORM,
            t.REPORT_JOURNALISED,
        ),
        write_prefixes=("magt.registrering.",),
    ),
    "routing": Access(
        reads=(
            t.REPORT_APPROVED,
            t.CRIME_SUSPECTED,
            t.DECISION_MADE,
            t.COMPLAINT_FORWARDED,
            t.COMPLAINT_DECIDED,
            t.COMPLAINT_STATEMENT_ISSUED,
            t.COMPLAINT_REDIRECTED,
            t.DEADLINE_BREACHED,
            t.STATISTIK_ALERT,
            t.COMPLAINT_RECEIVED,
            t.DELIVERY_SENT,
            t.DELIVERY_FAILED,
        ),
        write_prefixes=("magt.routing.", "magt.til."),
    ),
    "frister": Access(reads=EVENTS, write_prefixes=("magt.frister.",)),
    "klager": Access(
        reads=(
            t.SUBMIT_COMPLAINT,
            t.RECORD_RECONSIDERATION,
            t.RECORD_COMPLAINT_DECISION,
            t.REPORT_APPROVED,
            t.DECISION_MADE,
            t.INCIDENT_REGISTERED,
        ),
        write_prefixes=("magt.klager.",),
    ),
    "statistik": Access(reads=EVENTS, write_prefixes=("magt.statistik.",)),
    "bosted": Access(
        reads=(
            t.REGISTRATION_REJECTED,
            t.DELIVERY_SENT,
            t.REPORT_ADDRESSED,
            t.TILBAGEMELDING_GIVET,
        ),
        # Bosted is also a delivery channel (the journal): it reports its own deliveries.
        write_topics=(*_INTAKE_WRITES, t.DELIVERY_SENT, t.DELIVERY_FAILED, t.REPORT_JOURNALISED),
    ),
    "nexus": Access(
        reads=(
            t.REGISTRATION_REJECTED,
            t.DELIVERY_SENT,
            t.TILBAGEMELDING_GIVET,
            t.BEMAERKNINGER_SENDT,
        ),
        write_topics=(*_INTAKE_WRITES, t.REPORT_JOURNALISED),
    ),
    "sikkermail": Access(reads=(t.REPORT_ADDRESSED,), write_prefixes=("magt.levering.",)),
}


@dataclass(frozen=True)
class Grant:
    """One AclCommand call: `user` may do `operations` on the listed resources."""

    user: str
    operations: tuple[str, ...]
    topics: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    cluster: bool = False
    pattern: Literal["literal", "prefixed"] = "literal"
    note: str = field(default="", compare=False)


def service_user(service: str) -> str:
    return f"svc-{service}"


def recipient_user(role: str, recipient_id: str) -> str:
    """The user of a municipality or Socialtilsyn, named after its topic's segments."""
    _, _, segment, ident, _ = recipient_topic(role, recipient_id).split(".")
    return f"{segment}-{ident}"


def service_grants(service: str, *, namespace: str = "") -> list[Grant]:
    """The ACLs of one service or adapter."""
    access = SERVICE_ACCESS[service]
    user = service_user(service)
    grants = [
        Grant(user, ("Read", "Describe"), topics=tuple(namespace + x for x in access.reads)),
        Grant(user, ("Read",), groups=(f"{namespace}magt.{service}",), pattern="prefixed"),
        Grant(
            user,
            ("Write", "Create", "Describe"),
            topics=(
                namespace + dead_letter_topic(service),
                *(namespace + x for x in access.write_topics),
            ),
        ),
    ]
    if access.write_prefixes:
        grants.append(
            Grant(
                user,
                ("Write", "Create", "Describe"),
                topics=tuple(namespace + x for x in access.write_prefixes),
                pattern="prefixed",
            )
        )
    return grants


def recipient_grants(role: str, recipient_id: str, *, namespace: str = "") -> list[Grant]:
    """A municipality or Socialtilsyn reads its own topic, in its own consumer group."""
    user = recipient_user(role, recipient_id)
    return [
        Grant(
            user, ("Read", "Describe"), topics=(namespace + recipient_topic(role, recipient_id),)
        ),
        Grant(user, ("Read",), groups=(user,), pattern="prefixed"),
    ]


def env_name(user: str) -> str:
    """The environment variable holding `user`'s password in docker-compose's `.env`."""
    return "KAFKA_PASSWORD_" + user.upper().replace("-", "_")


def acl_script(kommuner: list[str]) -> str:
    """The shell script docker-compose's one-shot `kafka-security` container runs.

    The admin authenticates with PLAIN (defined in the broker's JAAS settings, as the broker's own
    links do); it creates the SCRAM users (passwords from the environment, never in the file) and applies
    exactly the grants of this module with Kafka's own tools. Generated; a test keeps the
    committed copy equal to the policy.
    """
    grants = [g for s in SERVICE_ACCESS for g in service_grants(s)]
    grants += [g for k in kommuner for g in recipient_grants("handlekommune", k)]
    users = list(dict.fromkeys(g.user for g in grants))
    admin = '--bootstrap-server "$BOOTSTRAP" --command-config /tmp/admin.properties'
    lines = [
        "#!/bin/sh",
        "# Generated by `magt infra acl-script` from src/magt/security.py; do not edit.",
        "set -eu",
        'BOOTSTRAP="${BOOTSTRAP:-kafka:9092}"',
        "cat > /tmp/admin.properties <<EOF",
        "security.protocol=SASL_PLAINTEXT",
        "sasl.mechanism=PLAIN",
        "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
        'username="admin" password="${KAFKA_ADMIN_PASSWORD}";',
        "EOF",
        "K=/opt/kafka/bin",
    ]
    for user in users:
        lines.append(
            f"$K/kafka-configs.sh {admin} --alter --entity-type users --entity-name {user} "
            f'--add-config "SCRAM-SHA-512=[password=${{{env_name(user)}}}]"'
        )
    for grant in grants:
        resources = [f"--topic {x}" for x in grant.topics] + [f"--group {x}" for x in grant.groups]
        ops = " ".join(f"--operation {op}" for op in grant.operations)
        lines.append(
            f"$K/kafka-acls.sh {admin} --add --force --allow-principal User:{grant.user} {ops} "
            f"{' '.join(resources)} --resource-pattern-type {grant.pattern}"
        )
    return "\n".join(lines) + "\n"
