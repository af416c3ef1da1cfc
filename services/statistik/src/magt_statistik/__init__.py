"""statistik: aggregates, quarterly and yearly reports, early alerts and the dashboard.

Consumes every event topic of `magt_contracts.topics` (events, not commands; one consumer group
per topic, `magt.statistik.<topic>`) and keeps the figures in its own database, one row per fact
(report, deadline, complaint) with its dimensions, plus counters per event type and month
(`store.py`). Every consumed event passes the inbox in the same transaction as its effect, and
the effects do not depend on arrival order, so `rebuild.rebuild()` (replay of all topics into a
fresh database) gives the same figures as the live service.

Publishes `StatistikAlert` (`magt.statistik.statistik-alert.v1`) when an institution or a single
citizen has far more uses of force in a rolling window than its own baseline (`domain.py`
documents the method); routing sends it to the operator.

Serves (`api.py`): `GET /dashboard` (HTML; the token is posted once to the `/login` form and
kept in a Secure, HttpOnly cookie, never in a URL), `GET /figurer` and `GET /alarmer` (JSON), `POST/GET /kommentarer` (the operator's
commentary and examples of reduced force, shown in the reports). Every view is scoped with
`magt_contracts.adgang` roles and audited; views that leave the operator are suppressed with the
one rule in `domain.undertryk`. `reports.build_report()` writes the quarterly/yearly report as
HTML and PDF with matplotlib charts.
"""
