"""Handlers with faststream's TestKafkaBroker: intake, workflow, law at intake, events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from faststream.kafka import TestKafkaBroker
from sqlalchemy import Engine
from sqlmodel import Session, select

from magt_contracts import topics
from magt_contracts.forms import ValIndberetning, parse_form
from magt_contracts.messages import (
    CrimeSuspected,
    DecisionMade,
    FormCorrected,
    HygieneRepeat,
    IncidentRegistered,
    LeaderPartCompleted,
    RegistrationRejected,
    ReportApproved,
)
from magt_registrering import domain, noegler, store
from magt_registrering.app import subscribe_handlers
from magt_registrering.handlers import Handlers, Registrering
from magt_registrering.settings import Settings
from magt_runtime.audit import AuditRow
from magt_runtime.broker import create_broker, message_size
from magt_runtime.db import create_tables, make_engine
from magt_runtime.deadletter import DeadLetter, dead_letter_topic
from magt_runtime.outbox import OutboxRow

pytestmark = pytest.mark.broker
Udgaaende = Callable[..., list[tuple[str, str, str]]]
NOW = "2025-03-15T12:00:00+01:00"


class Intake:
    """Publishes intake commands into the in-memory broker the way source adapters do."""

    def __init__(self, broker: TestKafkaBroker, settings: Settings, engine: Engine) -> None:
        self.broker = broker
        self.settings = settings
        self.cipher = settings.payload_cipher()
        self.engine = engine

    @property
    def dead(self) -> list[DeadLetter]:
        """The dead letters the consumers staged (the relay publishes them)."""
        dlq = self.settings.topic(dead_letter_topic(self.settings.service_name))
        with Session(self.engine) as session:
            rows = session.exec(select(OutboxRow).where(OutboxRow.topic == dlq)).all()
        return [DeadLetter.model_validate_json(row.payload) for row in rows]

    def _envelope(self, case_id: str, event_id: UUID | None) -> dict[str, Any]:
        return {
            "event_id": str(event_id or uuid4()),
            "occurred_at": NOW,
            "case_id": case_id,
            "correlation_id": str(uuid4()),
        }

    async def submit(
        self,
        form: dict[str, Any],
        case_id: str = "bosted-1",
        *,
        event_id: UUID | None = None,
        source_ref: str = "doc-1",
    ) -> None:
        body = {
            **self._envelope(case_id, event_id),
            "source": "bosted",
            "source_ref": source_ref,
            "form": form,
        }
        await self._sealed(topics.SUBMIT_FORM, case_id, body)

    async def correct(self, form: dict[str, Any], case_id: str = "bosted-1") -> None:
        body = {
            **self._envelope(case_id, None),
            "corrected_by": "mdb-1042",
            "corrected_at": "2025-03-16T09:00:00+01:00",
            "reason": "Tidspunktet var forkert.",
            "form": form,
        }
        await self._sealed(topics.CORRECT_FORM, case_id, body)

    async def leader(
        self, case_id: str = "bosted-1", *, kommentarer: str = "Gennemgået med personalet."
    ) -> None:
        body = {
            **self._envelope(case_id, None),
            "leder": {
                "leder_ref": "leder-7",
                "kommentarer": kommentarer,
                "vurdering": "Indgrebet var nødvendigt.",
                "godkendt": False,
            },
        }
        await self.broker.publish(
            json.dumps(body).encode(),
            self.settings.topic(topics.COMPLETE_LEADER_PART),
            key=case_id.encode(),
        )

    async def approve(self, case_id: str = "bosted-1") -> None:
        body = {
            **self._envelope(case_id, None),
            "leder_ref": "leder-7",
            "approved_at": "2025-03-15T13:00:00+01:00",
        }
        await self.broker.publish(
            json.dumps(body).encode(),
            self.settings.topic(topics.APPROVE_REPORT),
            key=case_id.encode(),
        )

    async def _sealed(self, topic: str, case_id: str, body: dict[str, Any]) -> None:
        sealed = self.cipher.encrypt(json.dumps(body))
        await self.broker.publish(sealed.encode(), self.settings.topic(topic), key=case_id.encode())


@pytest.fixture
async def engine(settings: Settings) -> Engine:
    engine = make_engine(settings.database_url)
    create_tables(engine)
    return engine


@asynccontextmanager
async def _koerende(settings: Settings, engine: Engine) -> AsyncIterator[Intake]:
    """The service's handlers on an in-memory broker; its dead letters are read from the outbox."""
    broker = create_broker(settings)
    subscribe_handlers(broker, engine, Handlers(engine, settings), settings)
    async with TestKafkaBroker(broker) as test_broker:
        yield Intake(test_broker, settings, engine)


@pytest.fixture
async def intake(settings: Settings, engine: Engine) -> AsyncIterator[Intake]:
    async with _koerende(settings, engine) as koerende:
        yield koerende


def _events(udgaaende: Udgaaende, engine: Engine, event_type: str) -> list[str]:
    return [payload for _t, _topic, payload in udgaaende(engine, event_type)]


def _sag(engine: Engine, case_id: str = "bosted-1") -> store.Sag:
    with Session(engine) as session:
        sag = store.sag(session, case_id)
    assert sag is not None
    return sag


async def test_sealed_submit_is_registered_and_stored_encrypted(
    intake: Intake, engine: Engine, lav: Any, udgaaende: Udgaaende
) -> None:
    form = lav("val_indberetning", {"leder": None})
    await intake.submit(form)
    await intake.submit(form)  # the same form again (another command): nothing new
    sag = _sag(engine)
    assert (sag.status, sag.version, sag.source, sag.source_ref) == (
        "registreret",
        1,
        "bosted",
        "doc-1",
    )
    [payload] = _events(udgaaende, engine, "IncidentRegistered")
    event = IncidentRegistered.model_validate_json(payload)
    assert event.case_id == "bosted-1"
    assert event.fakta.person_ref == sag.person_ref
    assert event.event_id == domain.event_id("bosted-1", "incident-registered")
    with Session(engine) as session:
        [version] = store.versioner(session, "bosted-1")
        intern = session.exec(select(store.InternDel)).one()
    for secret in ("010110-4321", "Alma Testesen", "refleksioner"):
        assert secret not in version.form_encrypted
        assert secret not in intern.data_encrypted
        assert secret not in payload
    assert version.by == "mdb-1042"
    assert version.kind == "indsendt"


async def test_invalid_form_is_rejected_field_by_field_in_danish(
    intake: Intake, engine: Engine, lav: Any, udgaaende: Udgaaende
) -> None:
    form = lav("val_indberetning", {"barn.cpr": "310299-1234", "episode.sted": None})
    await intake.submit(form, "bosted-9", source_ref="doc-9")
    [(_, topic, payload)] = udgaaende(engine, "RegistrationRejected")
    assert topic == intake.settings.topic(topics.REGISTRATION_REJECTED)
    event = RegistrationRejected.model_validate_json(payload)
    assert (event.source, event.source_ref, event.case_id) == ("bosted", "doc-9", "bosted-9")
    fejl = {f.field: f.message for f in event.errors}
    assert fejl["episode.sted"] == "Feltet skal udfyldes."
    assert "gyldig dato" in fejl["barn.cpr"]
    assert "310299" not in payload
    with Session(engine) as session:
        assert store.sag(session, "bosted-9") is None


async def test_approval_that_arrives_first_waits_for_the_leader_part(
    intake: Intake, engine: Engine, lav: Any, udgaaende: Udgaaende, settings: Settings
) -> None:
    await intake.approve()  # before the form itself
    await intake.submit(lav("val_indberetning", {"leder": None}))
    assert _sag(engine).status == "registreret"
    assert _events(udgaaende, engine, "ReportApproved") == []
    await intake.leader()
    sag = _sag(engine)
    assert (sag.status, sag.version) == ("godkendt", 3)
    [completed] = _events(udgaaende, engine, "LeaderPartCompleted")
    assert LeaderPartCompleted.model_validate_json(completed).leder_ref == "leder-7"
    [payload] = _events(udgaaende, engine, "ReportApproved")
    approved = ReportApproved.model_validate_json(payload)
    assert approved.rapport_ref == "rapport-bosted-1-v3"
    assert approved.fakta.godkendt == datetime.fromisoformat("2025-03-15T13:00:00+01:00")
    assert approved.rapport_sealed is not None
    with Session(engine) as session:  # sealed under the case's own key (or the platform key)
        aabnet = noegler.aabn(session, settings.payload_cipher(), approved.rapport_sealed)
    rapport = parse_form(json.loads(aabnet))
    assert isinstance(rapport, ValIndberetning)
    assert rapport.intern is None
    assert rapport.leder is not None
    assert rapport.leder.godkendt
    assert rapport.barn.cpr == "010110-4321"  # the sealed report is the full external part
    for secret in ("010110-4321", "Alma", "Vi kunne have tilbudt"):
        assert secret not in payload
    await intake.approve()  # approving again changes nothing
    assert len(_events(udgaaende, engine, "ReportApproved")) == 1


async def test_correction_is_a_new_version_with_who_when_why(
    intake: Intake, engine: Engine, lav: Any, udgaaende: Udgaaende
) -> None:
    await intake.submit(lav("val_indberetning", {"leder": None}))
    rettet = lav("val_indberetning", {"leder": None, "episode.sted": "Køkkenet"})
    await intake.correct(rettet)
    await intake.correct(lav("val_indberetning", {"episode.sted": ""}))  # invalid: rejected
    with Session(engine) as session:
        versioner = store.versioner(session, "bosted-1")
        former = [Handlers(engine, intake.settings).kerne.form(v) for v in versioner]
        aarsag = Handlers(engine, intake.settings).kerne.aarsag(versioner[1])
    assert [v.kind for v in versioner] == ["indsendt", "rettet"]
    assert [f.episode.sted for f in former if isinstance(f, ValIndberetning)] == [
        "Fællesstuen",
        "Køkkenet",
    ]
    assert (versioner[1].by, aarsag) == ("mdb-1042", "Tidspunktet var forkert.")
    [payload] = _events(udgaaende, engine, "FormCorrected")
    assert FormCorrected.model_validate_json(payload).reason == "Tidspunktet var forkert."
    [afvist] = _events(udgaaende, engine, "RegistrationRejected")
    assert RegistrationRejected.model_validate_json(afvist).errors[0].field == "episode.sted"


async def test_crime_suspicion_is_reported_at_once(
    intake: Intake, engine: Engine, lav: Any, udgaaende: Udgaaende
) -> None:
    await intake.submit(lav("val_indberetning", {"leder": None}))
    assert _events(udgaaende, engine, "CrimeSuspected") == []
    mistanke = lav("val_indberetning", {"leder": None, "mistanke_om_strafbart_forhold": True})
    await intake.correct(mistanke)
    await intake.correct(lav("val_indberetning", {"mistanke_om_strafbart_forhold": True}))
    [payload] = _events(udgaaende, engine, "CrimeSuspected")
    event = CrimeSuspected.model_validate_json(payload)
    assert (event.institution_id, event.socialtilsyn, event.driftsherre_id) == (
        "tilbud-0851-017",
        "Nord",
        "1081",
    )


async def test_not_allowed_intervention_is_accepted_and_flagged(
    intake: Intake, engine: Engine, lav: Any, udgaaende: Udgaaende
) -> None:
    await intake.submit(lav("val_indberetning", {"indgreb": ["isolation"]}))
    [payload] = _events(udgaaende, engine, "IncidentRegistered")
    vurdering = IncidentRegistered.model_validate_json(payload).vurdering
    assert vurdering.allowed == "not-allowed"
    assert "isolation-outside-secured" in {f.code for f in vurdering.flags}
    assert _sag(engine).allowed == "not-allowed"


async def test_pre_approved_use_is_checked_against_the_stored_decision(
    intake: Intake, engine: Engine, lav: Any, udgaaende: Udgaaende
) -> None:
    await intake.submit(lav("kommunal_afgoerelse"), "nexus-afg-1")
    [decision] = _events(udgaaende, engine, "DecisionMade")
    made = DecisionMade.model_validate_json(decision)
    assert (made.afgoerelse_id, made.udfald, str(made.gyldig_til)) == (
        "afg-0461-2025-031",
        "godkendt",
        "2025-09-30",
    )
    assert _sag(engine, "nexus-afg-1").status == "afgoerelse"
    await intake.submit(lav("bilag_1"), "nexus-bilag-1")  # May 2025: inside the period
    udenfor = lav("bilag_1", {"periode_start": "2025-10-01"})
    udenfor["registreringer"][0]["tidspunkt"] = "2025-10-02T20:00:00+02:00"
    udenfor["registreringer"][1]["tidspunkt"] = "2025-10-03T20:00:00+02:00"
    udenfor["registrering"]["registreret_tidspunkt"] = "2025-10-04T09:00:00+02:00"
    await intake.submit(udenfor, "nexus-bilag-2")
    anden_borger = lav("bilag_1", {"borger.cpr": "030385-1359"})
    await intake.submit(anden_borger, "nexus-bilag-3")
    lang = lav("bilag_1")
    lang["registreringer"][1]["tidspunkt"] = "2025-06-02T20:00:00+02:00"
    await intake.submit(lang, "nexus-bilag-4")
    flags = {}
    for payload in _events(udgaaende, engine, "IncidentRegistered"):
        event = IncidentRegistered.model_validate_json(payload)
        flags[event.case_id] = {f.code for f in event.vurdering.flags}
    assert not flags["nexus-bilag-1"] & {"no-pre-approval", "outside-pre-approval-period"}
    assert "outside-pre-approval-period" in flags["nexus-bilag-2"]
    assert "no-pre-approval" in flags["nexus-bilag-3"]  # the decision is about someone else
    assert "bilag-period-exceeded" in flags["nexus-bilag-4"]


async def test_section_136a_twice_in_six_months_is_a_hygiene_repeat(
    intake: Intake, engine: Engine, lav: Any, udgaaende: Udgaaende
) -> None:
    await intake.submit(lav("skema_1a", {"leder": None}), "nexus-h-1")
    assert _events(udgaaende, engine, "HygieneRepeat") == []
    senere = lav("skema_1a", {"leder": None})
    senere["episode"]["start"] = "2025-12-01T08:00:00+01:00"
    senere["episode"]["slut"] = "2025-12-01T08:03:00+01:00"
    senere["registrering"]["registreret_tidspunkt"] = "2025-12-01T12:00:00+01:00"
    await intake.submit(senere, "nexus-h-2")
    [payload] = _events(udgaaende, engine, "HygieneRepeat")
    event = HygieneRepeat.model_validate_json(payload)
    assert (event.case_id, event.window_months, len(event.uses)) == ("nexus-h-2", 6, 2)
    [registered] = [
        IncidentRegistered.model_validate_json(p)
        for p in _events(udgaaende, engine, "IncidentRegistered")
        if '"nexus-h-2"' in p
    ]
    assert "hygiene-repeat-needs-decision" in {f.code for f in registered.vurdering.flags}


async def test_application_without_leader_part_is_approved_directly(
    intake: Intake, engine: Engine, lav: Any, udgaaende: Udgaaende
) -> None:
    await intake.submit(lav("skema_3"), "nexus-s3")
    await intake.leader("nexus-s3")  # Skema 3 has no leader part: nothing happens
    await intake.approve("nexus-s3")
    assert _sag(engine, "nexus-s3").status == "godkendt"
    assert _events(udgaaende, engine, "LeaderPartCompleted") == []
    [payload] = _events(udgaaende, engine, "ReportApproved")
    assert ReportApproved.model_validate_json(payload).fakta.form_type == "skema_3"


async def test_unreadable_sealed_payload_is_a_dead_letter(
    intake: Intake, engine: Engine, lav: Any, udgaaende: Udgaaende
) -> None:
    await intake.broker.publish(
        b'{"plain": "not sealed"}', intake.settings.topic(topics.SUBMIT_FORM), key=b"x"
    )
    await intake.submit(lav("skema_2"), "nexus-s2")
    [letter] = intake.dead
    assert (letter.reason, letter.original_value()) == ("invalid", b'{"plain": "not sealed"}')
    staged = [t for t, _topic, _p in udgaaende(engine) if t != "DeadLetter"]
    assert staged == ["IncidentRegistered"]  # it went on


async def test_correction_before_the_form_waits_and_a_changed_resubmission_is_a_version(
    intake: Intake, engine: Engine, lav: Any, udgaaende: Udgaaende
) -> None:
    await intake.correct(lav("val_indberetning", {"leder": None, "episode.sted": "Gangen"}))
    with Session(engine) as session:
        assert store.sag(session, "bosted-1") is None
    await intake.submit(lav("val_indberetning", {"leder": None}))
    await intake.submit(lav("val_indberetning", {"leder": None, "episode.sted": "Haven"}))
    with Session(engine) as session:
        kinds = [v.kind for v in store.versioner(session, "bosted-1")]
        [waiting] = session.exec(select(store.Ventende)).all()
    assert kinds == ["indsendt", "rettet", "genindsendt"]
    assert waiting.handled_at is not None
    assert len(_events(udgaaende, engine, "FormCorrected")) == 2
    assert len(_events(udgaaende, engine, "IncidentRegistered")) == 1


async def test_correction_or_resubmission_from_another_institution_is_refused(
    intake: Intake, engine: Engine, lav: Any, udgaaende: Udgaaende
) -> None:
    """A case belongs to its institution for life, whichever source the command comes from."""
    await intake.submit(lav("val_indberetning", {"leder": None}))
    fremmed = {
        "leder": None,
        "institution.institution_id": "tilbud-0101-001",
        "barn.handlekommune": "0101",
        "institution.socialtilsyn_override": "Syd",
    }
    await intake.correct(lav("val_indberetning", fremmed))
    await intake.submit(lav("val_indberetning", fremmed), event_id=uuid4())
    sag = _sag(engine)
    assert (sag.institution_id, sag.handlekommune, sag.socialtilsyn, sag.version) == (
        "tilbud-0851-017",
        "0860",
        "Nord",
        1,
    )
    assert _events(udgaaende, engine, "FormCorrected") == []
    afvist = [
        RegistrationRejected.model_validate_json(p)
        for p in _events(udgaaende, engine, "RegistrationRejected")
    ]
    assert [[(f.field, "andet tilbud" in f.message) for f in a.errors] for a in afvist] == [
        [("institution.institution_id", True)]
    ] * 2
    with Session(engine) as session:
        refused = list(session.exec(select(AuditRow).where(AuditRow.resource == "bosted-1")))
    assert [(r.action, r.organisation, r.allowed) for r in refused] == [
        ("correct", "tilbud-0101-001", False),
        ("submit", "tilbud-0101-001", False),
    ]


LILLE_GRAENSE = 16_384  # bytes: a normal report fits, one with a 15,000-character text does not
LANG_TEKST = "x" * 15_000  # within the field's own bound (20,000 characters)


def _afvisninger(udgaaende: Udgaaende, engine: Engine) -> list[RegistrationRejected]:
    return [
        RegistrationRejected.model_validate_json(p)
        for p in _events(udgaaende, engine, "RegistrationRejected")
    ]


async def test_form_too_large_for_the_broker_is_refused_and_the_case_keeps_its_version(
    sqlite_url: str, ny_settings: Callable[..., Settings], lav: Any, udgaaende: Udgaaende
) -> None:
    """A submission, correction or leader part whose sealed report would exceed the producer's
    limit is refused before anything is stored; the report that fits is published as before."""
    settings = ny_settings(sqlite_url, kafka_max_request_size=LILLE_GRAENSE)
    engine = make_engine(settings.database_url)
    create_tables(engine)
    async with _koerende(settings, engine) as intake:
        await intake.submit(lav("val_indberetning", {"leder": None}))
        await intake.correct(lav("val_indberetning", {"leder": None, "episode.skader": LANG_TEKST}))
        await intake.submit(
            lav("val_indberetning", {"episode.skader": LANG_TEKST}), "bosted-2", source_ref="doc-2"
        )
        await intake.leader(kommentarer=LANG_TEKST)
        foer_godkendelse = _sag(engine)
        await intake.leader()
        await intake.approve()
        assert intake.dead == []

    assert (foer_godkendelse.version, foer_godkendelse.status) == (1, "registreret")
    with Session(engine) as session:
        assert store.sag(session, "bosted-2") is None
        [indsendt, _lederdel, _godkendt] = store.versioner(session, "bosted-1")
        assert "x" * 100 not in Registrering(settings).lager.decrypt(indsendt.form_encrypted)
    assert _events(udgaaende, engine, "FormCorrected") == []
    assert len(_events(udgaaende, engine, "IncidentRegistered")) == 1
    afvist = _afvisninger(udgaaende, engine)
    assert [(a.case_id, [f.field for f in a.errors]) for a in afvist] == [
        ("bosted-1", ["episode.skader"]),
        ("bosted-2", ["episode.skader"]),
        ("bosted-1", ["leder.kommentarer"]),
    ]
    for a in afvist:
        [fejl] = a.errors
        assert fejl.message.startswith("Indberetningen er for stor til at kunne sendes (")
        assert "højst 0,02 MB" in fejl.message
        assert "xxx" not in fejl.message
    [(_, _, rapport)] = udgaaende(engine, "ReportApproved")
    assert message_size("bosted-1", rapport) <= LILLE_GRAENSE


async def test_form_with_no_rules_in_force_on_its_date_is_refused_on_its_version(
    intake: Intake, engine: Engine, lav: Any, udgaaende: Udgaaende
) -> None:
    """The catalogue has no Socialtilsyn before 2014: the form is refused, not dead-lettered."""
    gammel = {
        "leder": None,
        "episode.start": "2013-12-20T21:40:00+01:00",
        "episode.slut": "2013-12-20T21:48:00+01:00",
        "registrering.registreret_tidspunkt": "2013-12-21T08:30:00+01:00",
    }
    await intake.submit(lav("val_indberetning", gammel), "bosted-3", source_ref="doc-3")
    await intake.submit(lav("val_indberetning", {"leder": None}))
    await intake.correct(lav("val_indberetning", gammel))
    assert intake.dead == []
    [ny, rettelse] = _afvisninger(udgaaende, engine)
    for afvist in (ny, rettelse):
        assert [(f.field, "ingen regler i kraft" in f.message) for f in afvist.errors] == [
            ("form_version", True)
        ]
    assert (ny.case_id, ny.source_ref, rettelse.case_id) == ("bosted-3", "doc-3", "bosted-1")
    with Session(engine) as session:
        assert store.sag(session, "bosted-3") is None
    assert _sag(engine).version == 1
    assert _events(udgaaende, engine, "FormCorrected") == []


def _tilbageholdelse(lav: Any, dag: int, ref: str | None = "afg-0851-2025-007") -> dict[str, Any]:
    """A § 12 tilbageholdelse at a delvis lukket institution on `dag` March 2025."""
    aendringer: dict[str, Any] = {
        "indgreb": ["tilbageholdelse_delvis_lukket"],
        "institution.art": "delvis_lukket_doegninstitution",
        "episode.start": f"2025-03-{dag:02d}T09:00:00+01:00",
        "episode.slut": f"2025-03-{dag:02d}T11:00:00+01:00",
        "registrering.registreret_tidspunkt": f"2025-03-{dag:02d}T12:00:00+01:00",
        "leder": None,
    }
    if ref is not None:
        aendringer["afgoerelse_ref"] = ref
    data: dict[str, Any] = lav("val_indberetning", aendringer)
    return data


async def test_val_frame_decision_is_kept_and_its_day_limits_checked(
    intake: Intake, engine: Engine, lav: Any, udgaaende: Udgaaende
) -> None:
    """VAL § 12, stk. 3 and 5: one decision for 1 year; 'højst udgøre 5 sammenhængendende dage'."""
    ramme = lav("val_afgoerelse", {"institution.art": "delvis_lukket_doegninstitution"})
    await intake.submit(ramme, "bosted-ramme-1")
    [decision] = _events(udgaaende, engine, "DecisionMade")
    made = DecisionMade.model_validate_json(decision)
    assert (made.regime, made.art, made.afgjort_af) == (
        "val",
        "val.12_13_ramme",
        "kommunalbestyrelsen",
    )
    assert made.indgreb == "fastholdelse_delvis_lukket"
    assert _sag(engine, "bosted-ramme-1").status == "afgoerelse"
    for dag in range(10, 16):  # 10-15 March: the sixth day in a row passes the limit
        await intake.submit(_tilbageholdelse(lav, dag), f"bosted-dag-{dag}")
    await intake.submit(_tilbageholdelse(lav, 20, ref=None), "bosted-uden")
    vurderinger = {}
    for payload in _events(udgaaende, engine, "IncidentRegistered"):
        event = IncidentRegistered.model_validate_json(payload)
        vurderinger[event.case_id] = event.vurdering
    assert {f.code for f in vurderinger["bosted-dag-14"].flags} & {
        "detention-days-in-a-row-exceeded",
        "no-decision",
    } == set()
    assert vurderinger["bosted-dag-14"].afgoerelser[0].dage_i_traek == 5
    sjette = {f.code for f in vurderinger["bosted-dag-15"].flags}
    assert "detention-days-in-a-row-exceeded" in sjette
    assert vurderinger["bosted-dag-15"].allowed == "not-allowed"
    assert "no-decision" in {f.code for f in vurderinger["bosted-uden"].flags}


async def test_section_129_indstilling_is_recorded_as_a_decision(
    intake: Intake, engine: Engine, lav: Any, udgaaende: Udgaaende
) -> None:
    """SEL § 131, stk. 1: Familieretshuset decides 'efter indstilling fra kommunalbestyrelsen'."""
    indstilling = lav(
        "kommunal_afgoerelse",
        {
            "indgreb": "flytning",
            "udfald": "indstillet",
            "art": "sel.129_stk1_indstilling",
            "gyldig_fra": None,
            "gyldig_til": None,
        },
    )
    await intake.submit(indstilling, "nexus-indstilling-1")
    [decision] = _events(udgaaende, engine, "DecisionMade")
    made = DecisionMade.model_validate_json(decision)
    assert (made.indgreb, made.udfald, made.art) == (
        "flytning",
        "indstillet",
        "sel.129_stk1_indstilling",
    )
    sag = _sag(engine, "nexus-indstilling-1")
    assert (sag.status, sag.allowed) == ("afgoerelse", "allowed")
