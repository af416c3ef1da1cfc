"""The HTTP API: submit, read, the leader's part, approval, corrections, Bilag 1 uses and lists.

Scope comes only from `magt_contracts.adgang` (maa_se_sag, maa_se_intern_del, maa_skrive,
maa_godkende); every read and write, allowed or refused, is written to the audit log in the same
transaction as its effect. Errors are Danish: 422 with {"detail": [{"field", "message"}]}, 401/403 from
`magt_runtime.http`, 404 for a case that does not exist *or* that the caller may not see (one
answer for both, so an outsider learns nothing), 403 for a step the caller may not take on a case
they can see, and 409 when the workflow does not allow the step. A correction naming another
institution is refused (422) and audited: a case belongs to its institution for life.
"""

from datetime import UTC, date, datetime
from typing import Annotated, Any, Protocol
from uuid import uuid4, uuid5

from fastapi import APIRouter, Body, Depends, HTTPException, status
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, Field, ValidationError
from sqlalchemy import Engine
from sqlmodel import Session

from magt_contracts import adgang
from magt_contracts.errors import danske_fejl, som_dicts
from magt_contracts.forms import FORM_TYPES, Bilag1, LederDel, parse_form
from magt_contracts.forms.common import Ref, Tekst
from magt_contracts.forms.sel import Bilag1Registrering
from magt_contracts.messages import ApproveReport, FeltFejl
from magt_contracts.tid import dansk_dato
from magt_contracts.vaerdier import Vurdering
from magt_registrering import domain, store
from magt_registrering.domain import Status, Trin, Versionsart
from magt_registrering.handlers import Registrering, Resultat
from magt_registrering.settings import Settings
from magt_runtime import audit, tid
from magt_runtime.auth import Principal, TokenVerifier
from magt_runtime.http import (
    ERROR_RESPONSES,
    field_errors,
    forbidden,
    not_found,
    principal_dependency,
)

_TAGS = frozenset(FORM_TYPES)
_INGEN = "\x00"  # a party no token can name: list probes ask adgang about one party only
_AABNE_BILAG = [Status.REGISTRERET.value]


class _Rapporter(Protocol):
    """A store query for one party's approved reports (kommune, Socialtilsyn, driftsherre)."""

    def __call__(self, session: Session, noegle: str, /, *, godkendt: str) -> list[store.Sag]: ...


class SagOversigt(BaseModel):
    """A case in a list: no CPR, no names (the citizen is a pseudonymous reference)."""

    case_id: str
    form_type: str
    status: str
    version: int
    institution_id: str
    handlekommune: str
    socialtilsyn: str
    person_ref: str
    indgreb: list[str]
    allowed: str | None
    registreret: datetime
    episode_start: datetime | None = None
    godkendt: datetime | None = None


class Versionsinfo(BaseModel):
    """One stored version of the form: who made it, when and why."""

    version: int
    kind: str
    by: str
    at: datetime
    reason: str | None = None


class SagDetaljer(SagOversigt):
    """A case with its form of record (external part) and, for the institution, the internal part."""

    vurdering: Vurdering
    form: dict[str, Any] = Field(description="Skemaets eksterne del (den aktuelle version).")
    intern: dict[str, Any] | None = Field(
        default=None, description="Supplerende oplysninger til internt brug (kun tilbuddet)."
    )
    versioner: list[Versionsinfo]


class Kvittering(BaseModel):
    """The answer to a write: the case, its version and state."""

    case_id: str
    version: int | None
    status: str
    vurdering: Vurdering | None = None


class Rettelse(BaseModel):
    """A correction: why, and the whole corrected form."""

    reason: Tekst = Field(description="Hvorfor skemaet rettes.")
    form: dict[str, Any] = Field(description="Hele det rettede skema.")


class Bilag1Brug(BaseModel):
    """One later use of a pre-approved intervention; the service files it on the right Bilag 1."""

    form_version: str = Field(examples=["2025"])
    institution: dict[str, Any]
    borger: dict[str, Any]
    skema_ref: Ref = Field(description="Skema 1 a/1 b med den første brug.")
    afgoerelse_ref: Ref = Field(description="Forhåndsgodkendelsen.")
    indgreb: str = Field(examples=["stofseler"])
    brug: Bilag1Registrering
    registreret_af: Ref
    registreret_tidspunkt: AwareDatetime


def _fejl(fejl: list[FeltFejl]) -> JSONResponse:
    return field_errors(som_dicts(fejl))


def _konflikt(besked: str) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, besked)


def parter(sag: store.Sag) -> adgang.SagensParter:
    """The organisations a case belongs to, for the scope rules."""
    return adgang.SagensParter(
        institution_id=sag.institution_id,
        handlekommune=sag.handlekommune,
        socialtilsyn=sag.socialtilsyn,
        driftsherre_id=sag.driftsherre_id,
        beliggenhedskommune=sag.beliggenhedskommune,
        godkendt=sag.status == Status.GODKENDT,
    )


def oversigt(sag: store.Sag) -> SagOversigt:
    """A case as lists show it."""
    return SagOversigt(
        case_id=sag.case_id,
        form_type=sag.form_type,
        status=sag.status,
        version=sag.version,
        institution_id=sag.institution_id,
        handlekommune=sag.handlekommune,
        socialtilsyn=sag.socialtilsyn,
        person_ref=sag.person_ref,
        indgreb=[k for k in sag.indgreb.split(",") if k],
        allowed=sag.allowed,
        registreret=tid.utc(sag.registreret),
        episode_start=tid.utc(sag.episode_start) if sag.episode_start else None,
        godkendt=tid.utc(sag.godkendt) if sag.godkendt else None,
    )


def _institution_id(data: dict[str, Any]) -> str | None:
    institution = data.get("institution")
    if isinstance(institution, dict) and isinstance(institution.get("institution_id"), str):
        return str(institution["institution_id"])
    return None


def build_router(engine: Engine, settings: Settings, verifier: TokenVerifier) -> APIRouter:
    """The API's routes; every one needs a bearer token."""
    router = APIRouter(responses=ERROR_RESPONSES)
    kerne = Registrering(settings)
    Caller = Annotated[Principal, Depends(principal_dependency(verifier))]  # noqa: N806

    def log_adgang(
        session: Session, who: Principal, action: str, resource: str, allowed: bool
    ) -> None:
        audit.record(session, principal=who, action=action, resource=resource, allowed=allowed)
        if not allowed:
            session.commit()

    def hent(session: Session, who: Principal, action: str, case_id: str) -> store.Sag:
        """The case if the caller may see it; otherwise the same audited 404 as for no case."""
        sag = store.sag(session, case_id)
        if sag is None or not adgang.maa_se_sag(who.role, who.organisation, parter(sag)):
            log_adgang(session, who, action, case_id, False)
            raise not_found()
        return sag

    @router.post(
        "/sager",
        status_code=status.HTTP_201_CREATED,
        response_model=Kvittering,
        summary="Registrér et skema",
    )
    def indsend(
        who: Caller, data: Annotated[dict[str, Any], Body(description="Skemaet.")]
    ) -> Kvittering | JSONResponse:
        case_id = f"http-{uuid4().hex}"
        institution_id = _institution_id(data)
        with Session(engine) as session:
            tilladt = institution_id is not None and adgang.maa_skrive(
                who.role, who.organisation, institution_id
            )
            log_adgang(session, who, "submit", case_id, tilladt)
            if not tilladt:
                raise forbidden()
            cause = uuid4()
            resultat = kerne.indsend(
                session,
                case_id=case_id,
                data=data,
                source="http",
                source_ref=None,
                cause=cause,
                correlation_id=cause,
                now=datetime.now(UTC),
                by=who.subject,
                meld_afvisning=False,
            )
            if resultat.errors:
                session.commit()
                return _fejl(list(resultat.errors))
            kvittering = _kvittering(session, resultat)
            session.commit()
            return kvittering

    @router.get("/sager/{case_id}", response_model=SagDetaljer, summary="Læs en sag")
    def laes(who: Caller, case_id: str) -> SagDetaljer:
        with Session(engine) as session:
            sag = hent(session, who, "read", case_id)
            p = parter(sag)
            log_adgang(session, who, "read", case_id, True)
            intern = None
            if adgang.maa_se_intern_del(who.role, who.organisation, p):
                row = store.seneste_intern(session, case_id)
                intern = kerne.intern(row).model_dump(mode="json") if row else None
            svar = SagDetaljer(
                **oversigt(sag).model_dump(),
                vurdering=Vurdering.model_validate_json(sag.vurdering),
                form=kerne.nuvaerende(session, sag).model_dump(mode="json", exclude={"intern"}),
                intern=intern,
                versioner=[
                    Versionsinfo(
                        version=v.version,
                        kind=v.kind,
                        by=v.by,
                        at=tid.utc(v.at),
                        reason=kerne.aarsag(v),
                    )
                    for v in store.versioner(session, case_id)
                ],
            )
            session.commit()
            return svar

    @router.post("/sager/{case_id}/lederdel", response_model=Kvittering, summary="Lederens del")
    def lederdel(who: Caller, case_id: str, leder: LederDel) -> Kvittering | JSONResponse:
        with Session(engine) as session:
            sag = hent(session, who, "complete_leader_part", case_id)
            tilladt = adgang.maa_godkende(who.role, who.organisation, sag.institution_id)
            log_adgang(session, who, "complete_leader_part", case_id, tilladt)
            if not tilladt:
                raise forbidden()
            resultat = kerne.udfyld_lederdel(
                session,
                case_id=case_id,
                leder=leder,
                cause=uuid4(),
                now=datetime.now(UTC),
                meld_afvisning=False,
            )
            if resultat.errors:
                session.commit()
                return _fejl(list(resultat.errors))
            if resultat.trin is not Trin.NU:
                session.commit()
                raise _konflikt(
                    "Lederens del kan ikke udfyldes: sagen er godkendt eller har ingen."
                )
            kvittering = _kvittering(session, resultat)
            session.commit()
            return kvittering

    @router.post("/sager/{case_id}/godkendelse", response_model=Kvittering, summary="Godkend")
    def godkend(who: Caller, case_id: str) -> Kvittering | JSONResponse:
        with Session(engine) as session:
            sag = hent(session, who, "approve", case_id)
            tilladt = adgang.maa_godkende(who.role, who.organisation, sag.institution_id)
            log_adgang(session, who, "approve", case_id, tilladt)
            if not tilladt:
                raise forbidden()
            now = datetime.now(UTC)
            cause = uuid4()
            try:
                cmd = ApproveReport(
                    event_id=cause,
                    occurred_at=now,
                    case_id=case_id,
                    correlation_id=cause,
                    leder_ref=who.subject,
                    approved_at=now,
                )
            except ValidationError as exc:
                session.commit()
                return _fejl(danske_fejl(exc))
            resultat = kerne.godkend(
                session,
                case_id=case_id,
                leder_ref=cmd.leder_ref,
                tidspunkt=cmd.approved_at,
                cause=cause,
                now=now,
            )
            if resultat.trin is Trin.SENERE:
                session.commit()
                raise _konflikt("Lederens del skal udfyldes, før indberetningen kan godkendes.")
            if resultat.trin is Trin.ALDRIG:
                session.commit()
                raise _konflikt("Sagen er allerede godkendt eller er en afgørelse.")
            kvittering = _kvittering(session, resultat)
            session.commit()
            return kvittering

    @router.post(
        "/sager/{case_id}/rettelser",
        response_model=Kvittering,
        summary="Ret et skema (ny version)",
    )
    def ret(who: Caller, case_id: str, rettelse: Rettelse) -> Kvittering | JSONResponse:
        with Session(engine) as session:
            sag = hent(session, who, "correct", case_id)
            tilladt = adgang.maa_skrive(who.role, who.organisation, sag.institution_id)
            ny_institution = _institution_id(rettelse.form) or sag.institution_id
            eget = domain.samme_tilbud(sag.institution_id, ny_institution)
            log_adgang(session, who, "correct", case_id, tilladt and eget)
            if not tilladt:
                raise forbidden()
            if not eget:
                felt = f"form.{domain.FREMMED_TILBUD_FELT}"
                return _fejl([FeltFejl(field=felt, message=domain.FREMMED_TILBUD)])
            now = datetime.now(UTC)
            cause = uuid4()
            resultat = kerne.ret(
                session,
                case_id=case_id,
                data=rettelse.form,
                by=who.subject,
                tidspunkt=now,
                reason=rettelse.reason,
                cause=cause,
                correlation_id=cause,
                now=now,
                meld_afvisning=False,
            )
            if resultat.errors:
                session.commit()
                return _fejl([_under_form(f) for f in resultat.errors])
            kvittering = _kvittering(session, resultat)
            session.commit()
            return kvittering

    @router.post(
        "/bilag1",
        response_model=Kvittering,
        summary="Registrér en senere brug af et forhåndsgodkendt indgreb på Bilag 1",
    )
    def bilag1(who: Caller, brug: Bilag1Brug) -> Kvittering | JSONResponse:
        institution_id = _institution_id({"institution": brug.institution})
        with Session(engine) as session:
            tilladt = institution_id is not None and adgang.maa_skrive(
                who.role, who.organisation, institution_id
            )
            log_adgang(session, who, "submit_bilag1", f"institution:{institution_id}", tilladt)
            if not tilladt or institution_id is None:
                raise forbidden()
            dag = brug.brug.tidspunkt
            try:
                enkelt = parse_form(_bilag_dict(brug, periode_start=None))
            except ValidationError as exc:
                session.commit()
                return _fejl(danske_fejl(exc, tags=_TAGS))
            assert isinstance(enkelt, Bilag1)
            pref = kerne.person(enkelt)
            store.laas(session, f"bilag1:{institution_id}:{pref}:{brug.indgreb}")
            aabne = store.aabne_bilag(
                session,
                institution_id=institution_id,
                person_ref=pref,
                indgreb=brug.indgreb,
                aaben=_AABNE_BILAG,
            )
            starter = {s.bilag_periode_start: s for s in aabne if s.bilag_periode_start}
            dato = enkelt.periode_start
            start = domain.bilag_periode(
                list(starter), dato, laengde=domain.bilag_periode_laengde(dato)
            )
            now = datetime.now(UTC)
            cause = uuid4()
            if start is None:
                case_id = (
                    "bilag1-"
                    + uuid5(domain.NAMESPACE, f"{institution_id}:{pref}:{brug.indgreb}:{dato}").hex
                )
                resultat = kerne.indsend(
                    session,
                    case_id=case_id,
                    data=enkelt,
                    source="http",
                    source_ref=None,
                    cause=cause,
                    correlation_id=cause,
                    now=now,
                    by=who.subject,
                    meld_afvisning=False,
                )
            else:
                sag = starter[start]
                forrige = kerne.nuvaerende(session, sag)
                assert isinstance(forrige, Bilag1)
                samlet = forrige.model_dump(mode="json")
                samlet["registreringer"].append(brug.brug.model_dump(mode="json"))
                resultat = kerne.ret(
                    session,
                    case_id=sag.case_id,
                    data=samlet,
                    by=who.subject,
                    tidspunkt=dag,
                    reason="Ny brug af det forhåndsgodkendte indgreb tilføjet bilaget.",
                    cause=cause,
                    correlation_id=cause,
                    now=now,
                    meld_afvisning=False,
                    art=Versionsart.TILFOEJET,
                )
            if resultat.errors:
                session.commit()
                return _fejl(list(resultat.errors))
            kvittering = _kvittering(session, resultat)
            session.commit()
            return kvittering

    @router.get(
        "/institutioner/{institution_id}/sager",
        response_model=list[SagOversigt],
        summary="Tilbuddets sager",
    )
    def institutionens(who: Caller, institution_id: str) -> list[SagOversigt]:
        with Session(engine) as session:
            probe = adgang.SagensParter(
                institution_id=institution_id,
                handlekommune=_INGEN,
                socialtilsyn=_INGEN,
                driftsherre_id=store.driftsherre(session, institution_id),
            )
            return _liste(
                session,
                who,
                f"institution:{institution_id}",
                probe,
                store.institutionens_sager(session, institution_id),
            )

    @router.get(
        "/kommuner/{kode}/rapporter",
        response_model=list[SagOversigt],
        summary="Godkendte indberetninger til kommunen",
    )
    def kommunens(who: Caller, kode: str) -> list[SagOversigt]:
        probe = adgang.SagensParter(
            institution_id=_INGEN, handlekommune=kode, socialtilsyn=_INGEN, godkendt=True
        )
        return _godkendte(who, f"kommune:{kode}", probe, store.kommunens_rapporter, kode)

    @router.get(
        "/socialtilsyn/{navn}/rapporter",
        response_model=list[SagOversigt],
        summary="Godkendte indberetninger fra de tilbud, tilsynet fører tilsyn med",
    )
    def tilsynets(who: Caller, navn: str) -> list[SagOversigt]:
        probe = adgang.SagensParter(
            institution_id=_INGEN, handlekommune=_INGEN, socialtilsyn=navn, godkendt=True
        )
        return _godkendte(who, f"socialtilsyn:{navn}", probe, store.tilsynets_rapporter, navn)

    @router.get(
        "/driftsherrer/{driftsherre_id}/rapporter",
        response_model=list[SagOversigt],
        summary="Godkendte indberetninger fra driftsherrens tilbud",
    )
    def driftsherrens(who: Caller, driftsherre_id: str) -> list[SagOversigt]:
        probe = adgang.SagensParter(
            institution_id=_INGEN,
            handlekommune=_INGEN,
            socialtilsyn=_INGEN,
            driftsherre_id=driftsherre_id,
            godkendt=True,
        )
        resource = f"driftsherre:{driftsherre_id}"
        return _godkendte(who, resource, probe, store.driftsherrens_rapporter, driftsherre_id)

    def _godkendte(
        who: Principal,
        resource: str,
        probe: adgang.SagensParter,
        query: _Rapporter,
        noegle: str,
    ) -> list[SagOversigt]:
        """An approved-reports listing: the query's rows through the audited scope check."""
        with Session(engine) as session:
            rows = query(session, noegle, godkendt=Status.GODKENDT.value)
            return _liste(session, who, resource, probe, rows)

    def _liste(
        session: Session,
        who: Principal,
        resource: str,
        probe: adgang.SagensParter,
        rows: list[store.Sag],
    ) -> list[SagOversigt]:
        tilladt = adgang.maa_se_sag(who.role, who.organisation, probe)
        log_adgang(session, who, "list", resource, tilladt)
        if not tilladt:
            raise forbidden()
        synlige = [
            oversigt(r) for r in rows if adgang.maa_se_sag(who.role, who.organisation, parter(r))
        ]
        session.commit()
        return synlige

    def _kvittering(session: Session, resultat: Resultat) -> Kvittering:
        sag = store.sag(session, resultat.case_id)
        if sag is None:  # pragma: no cover - the write above created or found it
            raise not_found()
        return Kvittering(
            case_id=sag.case_id,
            version=sag.version,
            status=sag.status,
            vurdering=Vurdering.model_validate_json(sag.vurdering),
        )

    return router


def _under_form(fejl: FeltFejl) -> FeltFejl:
    return FeltFejl(field=f"form.{fejl.field}", message=fejl.message)


def _bilag_dict(brug: Bilag1Brug, *, periode_start: date | None) -> dict[str, Any]:
    dag = periode_start or dansk_dato(brug.brug.tidspunkt)
    return {
        "form_type": "bilag_1",
        "form_version": brug.form_version,
        "institution": brug.institution,
        "borger": brug.borger,
        "skema_ref": brug.skema_ref,
        "afgoerelse_ref": brug.afgoerelse_ref,
        "indgreb": brug.indgreb,
        "periode_start": dag.isoformat(),
        "registreringer": [brug.brug.model_dump(mode="json")],
        "registrering": {
            "registreret_af": brug.registreret_af,
            "registreret_tidspunkt": brug.registreret_tidspunkt.isoformat(),
        },
    }
