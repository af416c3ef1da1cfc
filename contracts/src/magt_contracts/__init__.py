"""Contracts shared by every service: messages, forms, topics and the legal rules catalogue.

Entry points: `forms.parse_form`, `rules.assess.assess`, `rules.recipients.recipients`,
`rules.deadlines.deadlines`, `rules.socialtilsyn.supervising_socialtilsyn`, `cpr.person_ref`,
`errors.danske_fejl`, `explain.explain_form`, `schemas.export`, `topics`.
"""
