"""Topic creation with explicit partitions and settings (auto-creation is off on our brokers)."""

from __future__ import annotations

from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

_CREATED_OR_EXISTS = {0, 36}  # NONE, TOPIC_ALREADY_EXISTS


async def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[str],
    *,
    partitions: int = 3,
    replication_factor: int = 1,
    config: dict[str, str] | None = None,
    client_kwargs: dict[str, str] | None = None,
) -> list[str]:
    """Create the topics that do not exist yet; return the names that were created.

    `client_kwargs` carries the cluster's security (see `ServiceSettings.kafka_client_kwargs`).
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **(client_kwargs or {}))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [t for t in dict.fromkeys(topics) if t not in existing]
        if not wanted:
            return []
        new = [
            NewTopic(
                t,
                num_partitions=partitions,
                replication_factor=replication_factor,
                topic_configs=dict(config or {}),
            )
            for t in wanted
        ]
        try:
            response = await admin.create_topics(new)
        except TopicAlreadyExistsError:  # another replica was first
            return wanted
        # aiokafka reports per-topic failures in the response instead of raising them (e.g.
        # INVALID_REPLICATION_FACTOR while the broker is still fenced after a restart).
        for topic_error in getattr(response, "topic_errors", []):
            name, code = topic_error[0], topic_error[1]
            if code not in _CREATED_OR_EXISTS:
                message = topic_error[2] if len(topic_error) > 2 else ""
                raise KafkaError(f"topic {name} was not created: error {code} {message}")
        return wanted
    finally:
        await admin.close()
