"""statistik's tables and the queries on them.

The aggregates are kept as one row per fact (a report, a deadline, a complaint) with every
dimension the figures are cut by (period, institution, operator, municipality, Socialtilsyn,
regime, intervention type, assessment, the child's account, complaint guidance), plus counters per
event type and month. Every figure is a GROUP BY over these rows, so a corrected report moves
between cells instead of being counted twice, and a replay from the topics gives the same figures.
Only the pseudonymous `person_ref` is kept (for the per-citizen alert); never a CPR number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Index,
    and_,
    delete,
    exists,
    func,
    literal_column,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Field, Session, SQLModel, col, select

from magt_statistik.domain import Omfang, Periode


class Indberetning(SQLModel, table=True):
    """One report (case) with its dimensions; the newest facts win."""

    __tablename__ = "statistik_indberetning"
    __table_args__ = (
        Index("ix_statistik_indberetning_inst_dato", "institution_id", "dato"),
        Index("ix_statistik_indberetning_person_dato", "person_ref", "dato"),
    )

    case_id: str = Field(primary_key=True, max_length=80)
    fakta_noegle: str = Field(
        description="'<occurred_at UTC>|<rank>|<event id>' of the event the facts came from; "
        "the greatest wins, so the result does not depend on the order events arrive in"
    )
    regime: str = Field(index=True)
    form_type: str
    institution_id: str
    institution_navn: str
    institution_art: str
    driftsherre_id: str | None = Field(default=None, index=True)
    handlekommune: str = Field(index=True)
    beliggenhedskommune: str
    socialtilsyn: str = Field(index=True)
    person_ref: str
    dato: date = Field(index=True, description="Danish date of the episode (else registration)")
    maaned: str
    kvartal: str
    aar: str
    vurdering: str
    barnets_redegoerelse: bool | None = None
    klagevejledning: bool | None = None
    mistanke: bool = False
    godkendt: bool = False


class IndberetningIndgreb(SQLModel, table=True):
    """The intervention types of one report (a report can hold several)."""

    __tablename__ = "statistik_indberetning_indgreb"

    case_id: str = Field(primary_key=True, max_length=80)
    indgreb: str = Field(primary_key=True, index=True)


class Frist(SQLModel, table=True):
    """One legal deadline of a case and how it ended."""

    __tablename__ = "statistik_frist"

    case_id: str = Field(primary_key=True, max_length=80)
    kind: str = Field(primary_key=True)
    due: datetime
    dato: date = Field(index=True, description="Danish date of the due time")
    met_at: datetime | None = None
    overskredet: bool = False
    udfald: str = Field(default="aaben")


class Klage(SQLModel, table=True):
    """One complaint and its course; the events may come in any order."""

    __tablename__ = "statistik_klage"

    klage_id: str = Field(primary_key=True, max_length=80)
    case_id: str = Field(index=True)
    modtaget: bool = False
    dato: date | None = Field(default=None, index=True)
    klagetype: str | None = None
    klager_rolle: str | None = None
    handlekommune: str | None = Field(default=None, index=True)
    rettidig: bool | None = None
    fastholdt: bool | None = None
    videresendt: bool = False
    omdirigeret: bool = False
    afvist: bool = False
    udfald: str | None = None
    afgjort_af: str | None = None


class Haendelsestal(SQLModel, table=True):
    """How many events of a type were consumed, per month of occurrence."""

    __tablename__ = "statistik_haendelsestal"

    haendelse: str = Field(primary_key=True)
    maaned: str = Field(primary_key=True)
    antal: int = 0


class Alarm(SQLModel, table=True):
    """An early alert: exactly what the StatistikAlert event says (so a replay restores it).

    The id is deterministic per subject and tumbling window (`domain.alarm_id`), so the row is
    also the "already fired" mark.
    """

    __tablename__ = "statistik_alarm"

    event_id: str = Field(primary_key=True)
    institution_id: str = Field(index=True)
    periode_start: date
    periode_slut: date
    antal: int
    graense: int
    grund: str


class Kommentar(SQLModel, table=True):
    """The operator's written commentary or an example where force was reduced."""

    __tablename__ = "statistik_kommentar"

    id: int | None = Field(default=None, primary_key=True)
    driftsherre_id: str = Field(index=True)
    periode: str = Field(index=True)
    art: str = Field(description="kommentar | eksempel")
    tekst: str
    forfatter: str
    oprettet: datetime = Field(default_factory=lambda: datetime.now(UTC))


# --- writes ------------------------------------------------------------------------------------


def tael_haendelse(session: Session, haendelse: str, maaned: str, antal: int = 1) -> None:
    """Add to the counter atomically (safe with several replicas)."""
    statement = (
        update(Haendelsestal)
        .where(col(Haendelsestal.haendelse) == haendelse, col(Haendelsestal.maaned) == maaned)
        .values(antal=col(Haendelsestal.antal) + antal)
    )
    result: Any = session.exec(statement)
    if result.rowcount == 0:
        try:
            with session.begin_nested():
                session.add(Haendelsestal(haendelse=haendelse, maaned=maaned, antal=antal))
        except IntegrityError:  # another replica inserted it first
            session.exec(statement)


def hent_til_opdatering(session: Session, model: type[Any], pk: Any) -> Any:
    """A row locked for this transaction (FOR UPDATE on PostgreSQL)."""
    return session.get(model, pk, with_for_update=True)


def saet_indgreb(
    session: Session, case_id: str, indgreb: list[str], eksisterende: set[str] | None = None
) -> set[str]:
    """Replace a report's intervention types; return the new set."""
    if eksisterende is None:
        eksisterende = {
            r.indgreb
            for r in session.exec(
                select(IndberetningIndgreb).where(col(IndberetningIndgreb.case_id) == case_id)
            )
        }
    nye = set(indgreb)
    if eksisterende - nye:
        session.execute(
            delete(IndberetningIndgreb).where(
                col(IndberetningIndgreb.case_id) == case_id,
                col(IndberetningIndgreb.indgreb).in_(sorted(eksisterende - nye)),
            )
        )
    for ny in sorted(nye - eksisterende):
        session.add(IndberetningIndgreb(case_id=case_id, indgreb=ny))
    return nye


def forudindlaes(session: Session, events: Sequence[Any]) -> dict[tuple[type[Any], Any], Any]:
    """Load (and lock) the rows a batch of events touches, keyed like `session.get`."""
    cache: dict[tuple[type[Any], Any], Any] = {}
    sager = sorted({e.case_id for e in events if hasattr(e, "fakta")})
    frister = sorted({e.case_id for e in events if hasattr(e, "kind") and hasattr(e, "due")})
    klager = sorted({e.klage_id for e in events if hasattr(e, "klage_id")})
    for start in range(0, len(sager), 500):
        stykke = sager[start : start + 500]
        for sag in stykke:
            cache[(Indberetning, sag)] = None
            cache[(IndberetningIndgreb, sag)] = set()
        for row in session.exec(
            select(Indberetning).where(col(Indberetning.case_id).in_(stykke)).with_for_update()
        ):
            cache[(Indberetning, row.case_id)] = row
        for ii in session.exec(
            select(IndberetningIndgreb).where(col(IndberetningIndgreb.case_id).in_(stykke))
        ):
            cache[(IndberetningIndgreb, ii.case_id)].add(ii.indgreb)
    wanted = {(e.case_id, e.kind) for e in events if hasattr(e, "kind") and hasattr(e, "due")}
    for key in wanted:
        cache[(Frist, key)] = None
    for start in range(0, len(frister), 500):
        stykke = frister[start : start + 500]
        for frist in session.exec(
            select(Frist).where(col(Frist.case_id).in_(stykke)).with_for_update()
        ):
            if (frist.case_id, frist.kind) in wanted:
                cache[(Frist, (frist.case_id, frist.kind))] = frist
    for start in range(0, len(klager), 500):
        stykke = klager[start : start + 500]
        for klage_id in stykke:
            cache[(Klage, klage_id)] = None
        for klage in session.exec(
            select(Klage).where(col(Klage.klage_id).in_(stykke)).with_for_update()
        ):
            cache[(Klage, klage.klage_id)] = klage
    return cache


def antal_i_vindue(session: Session, *, kolonne: str, vaerdi: str, start: date, slut: date) -> int:
    """Reports of one institution or citizen with an episode date in [start, slut]."""
    column = getattr(Indberetning, kolonne)
    statement = select(func.count()).where(
        column == vaerdi, col(Indberetning.dato) >= start, col(Indberetning.dato) <= slut
    )
    return int(session.exec(statement).one())


def foerste_dato(session: Session, *, kolonne: str, vaerdi: str) -> date | None:
    """The earliest episode date of an institution's or a citizen's reports."""
    column = getattr(Indberetning, kolonne)
    return session.exec(select(func.min(col(Indberetning.dato))).where(column == vaerdi)).one()


# --- figures -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filtre:
    """The dashboard's and the reports' filters (None: all)."""

    periode: Periode
    regime: str | None = None
    indgreb: str | None = None
    socialtilsyn: str | None = None
    kommune: str | None = None
    institution: str | None = None


@dataclass
class Raatal:
    """The raw counts of one view (before suppression)."""

    total: int = 0
    per_kvartal: dict[str, int] = field(default_factory=dict)
    per_maaned: dict[str, int] = field(default_factory=dict)
    per_indgreb: dict[str, int] = field(default_factory=dict)
    per_institution: dict[str, int] = field(default_factory=dict)
    per_driftsherre: dict[str, int] = field(default_factory=dict)
    per_kommune: dict[str, int] = field(default_factory=dict)
    per_socialtilsyn: dict[str, int] = field(default_factory=dict)
    per_regime: dict[str, int] = field(default_factory=dict)
    vurdering: dict[str, int] = field(default_factory=dict)
    barnets_redegoerelse: dict[str, int] = field(default_factory=dict)
    klagevejledning: dict[str, int] = field(default_factory=dict)
    frister: dict[str, int] = field(default_factory=dict)
    frister_per_art: dict[str, dict[str, int]] = field(default_factory=dict)
    klager: dict[str, int] = field(default_factory=dict)
    klager_per_type: dict[str, int] = field(default_factory=dict)
    institution_navne: dict[str, str] = field(default_factory=dict)


def _scope_and_filters(
    omfang: Omfang, filtre: Filtre, *, med_periode: bool = True
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if omfang.kolonne is not None:
        column = getattr(Indberetning, omfang.kolonne)
        if omfang.kolonne == "socialtilsyn":
            conditions.append(func.lower(column) == (omfang.vaerdi or "").lower())
        else:
            conditions.append(column == omfang.vaerdi)
    if omfang.kun_godkendte:
        conditions.append(col(Indberetning.godkendt).is_(True))
    if med_periode:
        conditions.append(col(Indberetning.dato) >= filtre.periode.start)
        conditions.append(col(Indberetning.dato) <= filtre.periode.slut)
    if filtre.regime:
        conditions.append(col(Indberetning.regime) == filtre.regime)
    if filtre.socialtilsyn:
        conditions.append(col(Indberetning.socialtilsyn) == filtre.socialtilsyn)
    if filtre.kommune:
        conditions.append(col(Indberetning.handlekommune) == filtre.kommune)
    if filtre.institution:
        conditions.append(col(Indberetning.institution_id) == filtre.institution)
    if filtre.indgreb:
        ii = aliased(IndberetningIndgreb)
        conditions.append(
            exists()
            .where(
                col(ii.case_id) == col(Indberetning.case_id),
                col(ii.indgreb) == filtre.indgreb,
            )
            .correlate(Indberetning)
        )
    return conditions


def _alle(conditions: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    return and_(true(), *conditions)


def _grupper(session: Session, statement: Any) -> dict[str, int]:
    return {str(k): int(n) for k, n in session.execute(statement).all() if k is not None}


def _per(session: Session, kolonne: Any, conditions: list[ColumnElement[bool]]) -> dict[str, int]:
    statement = select(kolonne, func.count()).where(_alle(conditions)).group_by(kolonne)
    return _grupper(session, statement)


def _ja_nej(vaerdier: dict[str, int]) -> dict[str, int]:
    return {
        "ja": vaerdier.get("True", 0) + vaerdier.get("1", 0),
        "nej": vaerdier.get("False", 0) + vaerdier.get("0", 0),
        "ukendt": vaerdier.get("None", 0),
    }


def _bool_per(
    session: Session, kolonne: Any, conditions: list[ColumnElement[bool]]
) -> dict[str, int]:
    statement = select(kolonne, func.count()).where(_alle(conditions)).group_by(kolonne)
    return _ja_nej({str(k): int(n) for k, n in session.execute(statement).all()})


def raatal(
    session: Session,
    omfang: Omfang,
    filtre: Filtre,
    *,
    trend_kvartaler: int = 8,
    trend_hele_aar: bool = False,
) -> Raatal:
    """Every figure of one view (scope + filters), raw.

    The trend is the `trend_kvartaler` quarters up to the period's end, or with `trend_hele_aar`
    the quarters of the calendar years those quarters fall in (suppression is per calendar year).
    """
    c = _scope_and_filters(omfang, filtre)
    tal = Raatal()
    tal.total = int(session.exec(select(func.count()).where(_alle(c))).one())

    # trend: the quarters up to the period's end (filters apply, the period does not)
    slut_kvartal = f"{filtre.periode.slut.year}-Q{(filtre.periode.slut.month - 1) // 3 + 1}"
    alle = _scope_and_filters(omfang, filtre, med_periode=False)
    noegler = _kvartaler_til(slut_kvartal, trend_kvartaler)
    if trend_hele_aar:
        aarene = sorted({int(k[:4]) for k in noegler})
        noegler = [f"{y}-Q{q}" for y in aarene for q in range(1, 5)]
    per_kv = _per(
        session,
        col(Indberetning.kvartal),
        [*alle, col(Indberetning.kvartal).in_(noegler)],
    )
    tal.per_kvartal = {k: per_kv.get(k, 0) for k in noegler}
    tal.per_maaned = _per(session, col(Indberetning.maaned), c)

    indgreb_stmt = (
        select(col(IndberetningIndgreb.indgreb), func.count())
        .join(Indberetning, col(Indberetning.case_id) == col(IndberetningIndgreb.case_id))
        .where(_alle(c))
        .group_by(col(IndberetningIndgreb.indgreb))
    )
    tal.per_indgreb = _grupper(session, indgreb_stmt)
    tal.per_institution = _per(session, col(Indberetning.institution_id), c)
    navne = select(col(Indberetning.institution_id), func.max(col(Indberetning.institution_navn)))
    tal.institution_navne = {
        str(i): str(n)
        for i, n in session.execute(
            navne.where(_alle(c)).group_by(col(Indberetning.institution_id))
        ).all()
    }
    tal.per_driftsherre = _per(
        session, func.coalesce(col(Indberetning.driftsherre_id), literal_column("'privat'")), c
    )
    tal.per_kommune = _per(session, col(Indberetning.handlekommune), c)
    tal.per_socialtilsyn = _per(session, col(Indberetning.socialtilsyn), c)
    tal.per_regime = _per(session, col(Indberetning.regime), c)
    tal.vurdering = _per(session, col(Indberetning.vurdering), c)
    val = [*c, col(Indberetning.regime) == "val"]
    tal.barnets_redegoerelse = _bool_per(session, col(Indberetning.barnets_redegoerelse), val)
    tal.klagevejledning = _bool_per(session, col(Indberetning.klagevejledning), c)

    tal.frister_per_art, tal.frister = _frister(session, omfang, filtre)
    tal.klager, tal.klager_per_type = _klager(session, omfang, filtre)
    return tal


def _kvartaler_til(slut: str, antal: int) -> list[str]:
    year, q = int(slut[:4]), int(slut[-1])
    index = year * 4 + q - 1
    return [f"{i // 4}-Q{i % 4 + 1}" for i in range(index - antal + 1, index + 1)]


def _frister(
    session: Session, omfang: Omfang, filtre: Filtre
) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    c = _scope_and_filters(omfang, filtre, med_periode=False)
    statement = (
        select(col(Frist.kind), col(Frist.udfald), func.count())
        .join(Indberetning, col(Indberetning.case_id) == col(Frist.case_id))
        .where(
            _alle(c),
            col(Frist.dato) >= filtre.periode.start,
            col(Frist.dato) <= filtre.periode.slut,
        )
        .group_by(col(Frist.kind), col(Frist.udfald))
    )
    per_art: dict[str, dict[str, int]] = {}
    samlet = {"rettidig": 0, "overskredet": 0, "aaben": 0}
    for kind, udfald, n in session.execute(statement).all():
        per_art.setdefault(str(kind), {"rettidig": 0, "overskredet": 0, "aaben": 0})
        per_art[str(kind)][str(udfald)] = int(n)
        samlet[str(udfald)] = samlet.get(str(udfald), 0) + int(n)
    return per_art, samlet


def _klager(
    session: Session, omfang: Omfang, filtre: Filtre
) -> tuple[dict[str, int], dict[str, int]]:
    conditions: list[ColumnElement[bool]] = [
        col(Klage.modtaget).is_(True),
        col(Klage.dato) >= filtre.periode.start,
        col(Klage.dato) <= filtre.periode.slut,
    ]
    sag: list[ColumnElement[bool]] = []
    if omfang.kolonne == "handlekommune":
        # a municipality sees the complaints of its own citizens, about decisions too
        conditions.append(col(Klage.handlekommune) == omfang.vaerdi)
    elif omfang.kolonne is not None:
        sag += _scope_and_filters(omfang, Filtre(periode=filtre.periode), med_periode=False)
    if filtre.kommune:
        conditions.append(col(Klage.handlekommune) == filtre.kommune)
    sag += _scope_and_filters(
        Omfang(None, None, False, False, ""),
        Filtre(
            periode=filtre.periode,
            regime=filtre.regime,
            indgreb=filtre.indgreb,
            socialtilsyn=filtre.socialtilsyn,
            institution=filtre.institution,
        ),
        med_periode=False,
    )
    if sag:
        conditions.append(exists().where(col(Indberetning.case_id) == col(Klage.case_id), *sag))
    statement = (
        select(col(Klage.udfald), col(Klage.afvist), col(Klage.omdirigeret), func.count())
        .where(_alle(conditions))
        .group_by(col(Klage.udfald), col(Klage.afvist), col(Klage.omdirigeret))
    )
    tal = dict.fromkeys(KLAGE_UDFALD, 0)
    for udfald, afvist, omdirigeret, n in session.execute(statement).all():
        if udfald:
            noegle = str(udfald)
        elif afvist:
            noegle = "afvist"
        elif omdirigeret:
            noegle = "omdirigeret"
        else:
            noegle = "verserende"
        tal[noegle] = tal.get(noegle, 0) + int(n)
    per_type = _grupper(
        session,
        select(func.coalesce(col(Klage.klagetype), literal_column("'ukendt'")), func.count())
        .where(_alle(conditions))
        .group_by(func.coalesce(col(Klage.klagetype), literal_column("'ukendt'"))),
    )
    return tal, per_type


KLAGE_UDFALD = ("medhold", "delvist_medhold", "ikke_medhold", "afvist", "omdirigeret", "verserende")


def alarmer(session: Session, omfang: Omfang, filtre: Filtre) -> list[Alarm]:
    """Alerts in the period the caller may see (never for the suppressed views' citizens)."""
    statement = select(Alarm).where(
        col(Alarm.periode_slut) >= filtre.periode.start,
        col(Alarm.periode_slut) <= filtre.periode.slut,
    )
    if omfang.kolonne == "institution_id":
        statement = statement.where(col(Alarm.institution_id) == omfang.vaerdi)
    elif omfang.kolonne == "driftsherre_id":
        egne = select(col(Indberetning.institution_id)).where(
            col(Indberetning.driftsherre_id) == omfang.vaerdi
        )
        statement = statement.where(col(Alarm.institution_id).in_(egne))
    else:
        return []
    return list(session.exec(statement.order_by(col(Alarm.periode_slut))))


def kommentarer(
    session: Session, *, driftsherre_id: str | None, perioder: list[str]
) -> list[Kommentar]:
    """The operator's commentary and examples for the given period keys."""
    statement = select(Kommentar).where(col(Kommentar.periode).in_(perioder))
    if driftsherre_id is not None:
        statement = statement.where(col(Kommentar.driftsherre_id) == driftsherre_id)
    return list(session.exec(statement.order_by(col(Kommentar.periode), col(Kommentar.id))))


def snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every aggregate row, sorted: for comparing a rebuild with the live database."""
    result: dict[str, list[tuple[Any, ...]]] = {}
    for model in (Indberetning, IndberetningIndgreb, Frist, Klage, Haendelsestal, Alarm):
        table: Any = getattr(model, "__table__")  # noqa: B009
        rows = session.execute(select(*table.columns)).all()
        result[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return result
