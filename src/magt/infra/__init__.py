"""Local infrastructure started as plain processes: Kafka (KRaft), PostgreSQL and the Prefect server.

Every function here is idempotent: it reuses a server that already answers, keeps its data under one
git-ignored state folder, binds to 127.0.0.1 only and waits until the server really answers.
"""
