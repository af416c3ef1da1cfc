"""The outbox relay's publisher: creates a recipient's topic the first time it is published to."""

from __future__ import annotations

from typing import Any

from aiokafka.errors import UnknownTopicOrPartitionError

from magt_contracts import topics
from magt_routing.settings import Settings
from magt_runtime.outbox import Publisher
from magt_runtime.topics import ensure_topics


class RecipientTopicPublisher:
    """Wraps the broker: before the first publish to a `magt.til.…` topic, the topic is created.

    The set of known topics is a cache only: ensure_topics is idempotent, so a restart or a second
    replica creates nothing twice.
    """

    def __init__(self, inner: Publisher, settings: Settings) -> None:
        self._inner = inner
        self._settings = settings
        self._prefix = settings.topic("magt.til.")
        self._known: set[str] = {settings.topic(t) for t in topics.ALL_TOPICS}

    async def publish(
        self,
        message: Any,
        topic: str = "",
        *,
        key: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Publish `message`, creating a recipient topic first if needed."""
        if topic not in self._known and topic.startswith(self._prefix):
            await ensure_topics(
                self._settings.kafka_bootstrap_servers,
                [topic],
                partitions=self._settings.topic_partitions,
                replication_factor=self._settings.topic_replication_factor,
                client_kwargs=self._settings.kafka_client_kwargs(),
            )
            self._known.add(topic)  # only after the broker confirmed it (ensure_topics raises)
        try:
            return await self._inner.publish(message, topic, key=key, headers=headers)
        except UnknownTopicOrPartitionError:
            self._known.discard(topic)  # e.g. lost in a broker restart: create it next time
            raise
