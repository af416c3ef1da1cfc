"""Arbejdsrummet: the people in the loop log in (OpenID Connect against Keycloak) and act.

Server-rendered pages (Jinja2, htmx vendored) for every role: the leader's drafts and approvals,
the institution's registrations, received reports with feedback, the Magtanvendelsesudvalg's
remarks, the handleplan, the complaint queue and a form for institutions without a source system.
It consumes and publishes nothing itself: every action is a call to a service's HTTP API with the
person's own access token, so the services' scope rules and audit apply. Its own database holds
only the login sessions.
"""
