"""Topic creation with explicit partitions and settings (auto-creation is off on our brokers)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError


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
        with contextlib.suppress(TopicAlreadyExistsError):  # another replica was first
            await admin.create_topics(new)
        return wanted
    finally:
        await admin.close()
