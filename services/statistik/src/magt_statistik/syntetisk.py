"""Synthetic events for tests and the benchmark: made-up institutions and pseudonyms, no CPR."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from magt_contracts import messages as m
from magt_contracts.begreber import Driftsform, Fristart, InstitutionArt, Regime, Socialtilsyn
from magt_contracts.vaerdier import Indberetningsfakta, TilbudInfo, Udfald, Vurdering

KORRELATION = uuid.UUID("00000000-0000-4000-8000-000000000001")
NS = uuid.UUID("3a0b5c1e-7d2f-4e6a-9b8c-0d1e2f3a4b5c")


@dataclass(frozen=True)
class Tilbud:
    """A made-up institution."""

    id: str
    navn: str
    driftsherre: str | None
    socialtilsyn: Socialtilsyn
    kommune: str
    art: InstitutionArt = InstitutionArt.DOEGNINSTITUTION


TILBUD = (
    Tilbud("tilbud-a", "Solsikken", "region-midt", Socialtilsyn.MIDT, "0740"),
    Tilbud("tilbud-b", "Egebakken", "region-midt", Socialtilsyn.MIDT, "0751"),
    Tilbud(
        "tilbud-c", "Havgården", "region-nord", Socialtilsyn.NORD, "0851", InstitutionArt.BOTILBUD
    ),
    Tilbud("tilbud-d", "Lyngly", None, Socialtilsyn.SYD, "0461", InstitutionArt.OPHOLDSSTED),
)
KOMMUNER = ("0740", "0751", "0851", "0461", "0101")


def eid(*dele: object) -> uuid.UUID:
    """A deterministic event id from its parts."""
    return uuid.uuid5(NS, ":".join(str(d) for d in dele))


def fakta(
    *,
    tilbud: Tilbud,
    person_ref: str,
    handlekommune: str,
    episode: datetime,
    regime: Regime = Regime.VAL,
    indgreb: tuple[str, ...] = ("fysisk_magt",),
    barnets_redegoerelse: bool | None = None,
    klagevejledning: bool | None = True,
) -> Indberetningsfakta:
    """The external facts of one report."""
    return Indberetningsfakta(
        regime=regime,
        form_type="val_indberetning" if regime is Regime.VAL else "sel_skema_1a",
        form_version="2024" if regime is Regime.VAL else "2025",
        institution=TilbudInfo(
            institution_id=tilbud.id,
            navn=tilbud.navn,
            art=tilbud.art,
            beliggenhedskommune=tilbud.kommune,
            driftsform=Driftsform.REGIONAL if tilbud.driftsherre else Driftsform.PRIVAT,
            driftsherre_id=tilbud.driftsherre,
        ),
        socialtilsyn=tilbud.socialtilsyn,
        handlekommune=handlekommune,
        person_ref=person_ref,
        indgreb=list(indgreb),
        episode_start=episode,
        registreret=episode + timedelta(hours=2),
        barnets_redegoerelse_indgaar=barnets_redegoerelse,
        klagevejledning_givet=klagevejledning,
    )


def registreret(
    case_id: str, f: Indberetningsfakta, allowed: Udfald = Udfald.ALLOWED
) -> m.IncidentRegistered:
    """IncidentRegistered for the facts."""
    return m.IncidentRegistered(
        event_id=eid("reg", case_id),
        occurred_at=f.registreret,
        case_id=case_id,
        correlation_id=KORRELATION,
        fakta=f,
        vurdering=Vurdering(allowed=allowed),
        source="http",
    )


def godkendt(
    case_id: str, f: Indberetningsfakta, allowed: Udfald = Udfald.ALLOWED
) -> m.ReportApproved:
    """ReportApproved for the facts (approved four hours after registration)."""
    tid = f.registreret + timedelta(hours=4)
    return m.ReportApproved(
        event_id=eid("god", case_id),
        occurred_at=tid,
        case_id=case_id,
        correlation_id=KORRELATION,
        fakta=f.model_copy(update={"godkendt": tid}),
        vurdering=Vurdering(allowed=allowed),
        rapport_ref=f"rapport-{case_id}",
    )


def frist(
    case_id: str, kind: Fristart, due: datetime, *, met_at: datetime | None, breached: bool
) -> list[m.Event]:
    """DeadlineOpened plus Met and/or Breached."""
    out: list[m.Event] = [
        m.DeadlineOpened(
            event_id=eid("fo", case_id, kind),
            occurred_at=due - timedelta(hours=24),
            case_id=case_id,
            correlation_id=KORRELATION,
            kind=kind,
            due=due,
        )
    ]
    if breached:
        out.append(
            m.DeadlineBreached(
                event_id=eid("fb", case_id, kind),
                occurred_at=due,
                case_id=case_id,
                correlation_id=KORRELATION,
                kind=kind,
                due=due,
            )
        )
    if met_at is not None:
        out.append(
            m.DeadlineMet(
                event_id=eid("fm", case_id, kind),
                occurred_at=met_at,
                case_id=case_id,
                correlation_id=KORRELATION,
                kind=kind,
                due=due,
                met_at=met_at,
            )
        )
    return out


def klage(
    case_id: str,
    klage_id: str,
    modtaget: datetime,
    handlekommune: str,
    person_ref: str,
    *,
    udfald: str | None,
) -> list[m.Event]:
    """ComplaintReceived and, if decided, ComplaintDecided."""
    out: list[m.Event] = [
        m.ComplaintReceived(
            event_id=eid("kr", klage_id),
            occurred_at=modtaget,
            case_id=case_id,
            correlation_id=KORRELATION,
            klage_id=klage_id,
            klagetype="akut_magt",
            klager_rolle="foraeldremyndighed",
            person_ref=person_ref,
            handlekommune=handlekommune,
        )
    ]
    if udfald is not None:
        out.append(
            m.ComplaintDecided(
                event_id=eid("kd", klage_id),
                occurred_at=modtaget + timedelta(days=20),
                case_id=case_id,
                correlation_id=KORRELATION,
                klage_id=klage_id,
                afgjort_af="kommunalbestyrelsen",
                udfald=udfald,
                afgjort=modtaget + timedelta(days=20),
            )
        )
    return out


def sag(rng: random.Random, nummer: int, start: datetime, dage: int) -> list[m.Event]:
    """All events of one random case: registered, approved, deadlines, maybe a complaint."""
    tilbud = rng.choice(TILBUD)
    regime = Regime.VAL if tilbud.art is not InstitutionArt.BOTILBUD else Regime.SEL
    koder = ("fysisk_magt", "tilbageholdelse", "afvaergehjaelp", "isolation")
    if regime is Regime.SEL:
        koder = ("fastholdelse", "afvaergehjaelp", "doeraabner", "stofseler")
    episode = start + timedelta(minutes=rng.randrange(dage * 24 * 60))
    case_id = f"sag-{nummer:08d}"
    f = fakta(
        tilbud=tilbud,
        person_ref=f"p-{rng.randrange(4000):06d}x",
        handlekommune=rng.choice(KOMMUNER),
        episode=episode,
        regime=regime,
        indgreb=(rng.choice(koder),),
        barnets_redegoerelse=(rng.random() < 0.36) if regime is Regime.VAL else None,
        klagevejledning=rng.random() < 0.8,
    )
    allowed = Udfald.ALLOWED if rng.random() < 0.9 else Udfald.NOT_ALLOWED
    out: list[m.Event] = [registreret(case_id, f, allowed), godkendt(case_id, f, allowed)]
    due = f.registreret + timedelta(hours=24)
    late = rng.random() < 0.1
    out += frist(
        case_id,
        Fristart.INDBERETNING_HANDLEKOMMUNE,
        due,
        met_at=due + timedelta(hours=3) if late else due - timedelta(hours=5),
        breached=late,
    )
    if rng.random() < 0.05:
        out += klage(
            case_id,
            f"klage-{nummer}",
            episode + timedelta(days=3),
            f.handlekommune,
            f.person_ref,
            udfald=rng.choice(("medhold", "ikke_medhold", "ikke_medhold", None)),
        )
    return out


def stroem(antal: int, *, seed: int = 1, start: datetime | None = None) -> Iterator[m.Event]:
    """About `antal` events of random cases spread over a year (the benchmark's feed)."""
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not security)
    begynd = start or datetime(2025, 1, 1, tzinfo=UTC)
    givet = 0
    nummer = 0
    while givet < antal:
        for event in sag(rng, nummer, begynd, 365):
            if givet >= antal:
                return
            yield event
            givet += 1
        nummer += 1
