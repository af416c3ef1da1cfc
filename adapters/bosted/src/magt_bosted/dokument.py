"""The Bosted export format (docs/bosted-format.md): reading, typing and hashing a document.

Bosted's documents use Bosted's own Danish field names (`tilbud_id`, `forloeb_forud`,
`leders_del`, ...); `magt_bosted.mapping` turns them into the contract's form. Errors found here
already carry the document's own field paths.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from magt_contracts.begreber import Cpr, Driftsform, InstitutionArt, Socialtilsyn
from magt_contracts.catalogue.kommuner import KommuneKode
from magt_contracts.errors import danske_fejl
from magt_contracts.forms.common import Ref, Tekst
from magt_contracts.forms.val import Anbringelsesgrundlag, IkkeRedegoerelseAarsag
from magt_contracts.messages import FeltFejl
from magt_contracts.messages.commands import Klagerrolle, Klagetype
from magt_runtime import safejson

FORMATVERSION = 1
DokumentId = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.-]+$")]
# Export metadata that does not change what a document says (a re-export is not a correction).
METADATA = frozenset({"formatversion", "dokument_version", "eksporteret", "rettelse"})


class Del(BaseModel):
    """A section of a Bosted document: frozen, unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class TilbudRef(Del):
    """The institution a complaint belongs to."""

    tilbud_id: Ref


class Tilbud(TilbudRef):
    """The institution (tilbud) as Bosted holds it."""

    navn: Tekst
    tilbudstype: InstitutionArt
    beliggenhedskommune: KommuneKode
    driftsform: Driftsform
    driftsherre: Ref | None = None
    fagkonsulent: Ref | None = None
    socialtilsyn: Socialtilsyn | None = None
    kopi_til_socialtilsyn_straks: bool = False
    intern_skole: bool = False


class Person(Del):
    """A forældremyndighedsindehaver: Bosted's party id, name and CPR (the Digital Post address)."""

    part_id: Ref
    navn: Tekst | None = None
    cpr: Cpr | None = None


class Barn(Del):
    """The child."""

    cpr: Cpr
    navn: Tekst
    handlekommune: KommuneKode
    anbringelsesgrundlag: Anbringelsesgrundlag
    foraeldremyndighedsindehavere: list[Person] = Field(default_factory=list)


class Episode(Del):
    """When, where and what."""

    start: AwareDatetime
    slut: AwareDatetime
    sted: Tekst
    forloeb_forud: Tekst
    beskrivelse: Tekst
    begrundelse: Tekst
    skader: str | None = None


class Medarbejder(Del):
    """An employee involved."""

    medarbejder_id: Ref
    stilling: str | None = None


class Redegoerelse(Del):
    """The child's own account."""

    indgaar: bool
    tekst: str | None = None
    aarsag_hvis_ikke: IkkeRedegoerelseAarsag | None = None


class LedersDel(Del):
    """The leader's part, when filled in in Bosted."""

    leder_id: Ref
    kommentarer: Tekst
    vurdering: Tekst
    opfoelgning_i_medarbejdergruppe: bool = False
    godkendt: bool
    godkendt_tidspunkt: AwareDatetime | None = None


class Magtanvendelsesskema(Del):
    """The "Magtanvendelsesskema" tab: the report itself."""

    skemaversion: str
    barn: Barn
    episode: Episode
    paa_intern_skole: bool = False
    indgreb: list[str]
    involverede_medarbejdere: list[Medarbejder]
    registreret_af: Ref
    registreret_tidspunkt: AwareDatetime
    barnets_redegoerelse: Redegoerelse
    klagevejledning_givet: bool
    mistanke_om_strafbart_forhold: bool = False
    leders_del: LedersDel | None = None


class SupplerendeOplysninger(Del):
    """The supplementary form for internal use; never leaves the institution."""

    refleksioner: Tekst
    kunne_forebygges: str | None = None
    forebyggende_initiativer: str | None = None
    medarbejderens_oplevelse: str | None = None


class Rettelse(Del):
    """Who changed an exported document, when and why (used when the content changed)."""

    rettet_af: Ref
    rettet_tidspunkt: AwareDatetime
    aarsag: Tekst


class Hoved(Del):
    """Fields every Bosted document has."""

    formatversion: Literal[1]
    dokument_id: DokumentId
    dokument_version: int = Field(ge=1)
    eksporteret: AwareDatetime


class SkemaDokument(Hoved):
    """A Magtanvendelsesskema with its internal supplementary part."""

    dokumenttype: Literal["magtanvendelsesskema"]
    institution: Tilbud
    magtanvendelsesskema: Magtanvendelsesskema
    supplerende_oplysninger: SupplerendeOplysninger | None = None
    rettelse: Rettelse | None = None


class Klage(Del):
    """A complaint registered in Bosted."""

    klagetype: Klagetype
    klager_rolle: Klagerrolle
    cpr: Cpr = Field(description="The child or citizen the complaint is about (never sent on).")
    handlekommune: KommuneKode
    modtaget: AwareDatetime
    sag_dokument_id: DokumentId | None = None
    afgoerelse_ref: str | None = Field(default=None, max_length=80)
    afgoerelse_meddelt: date | None = None
    under_forhaandsgodkendelse: bool = False


class KlageDokument(Hoved):
    """A complaint document."""

    dokumenttype: Literal["klage"]
    institution: TilbudRef
    klage: Klage
    rettelse: Rettelse | None = None


BostedDokument = Annotated[SkemaDokument | KlageDokument, Field(discriminator="dokumenttype")]
DOKUMENT_ADAPTER: TypeAdapter[SkemaDokument | KlageDokument] = TypeAdapter(BostedDokument)
DOKUMENTTYPER = ("magtanvendelsesskema", "klage")


class _KuvertTilbud(BaseModel):
    model_config = ConfigDict(extra="ignore")
    tilbud_id: Ref


class Kuvert(BaseModel):
    """Envelope: document id and institution id, everything else ignored."""

    model_config = ConfigDict(extra="ignore")

    dokument_id: DokumentId
    institution: _KuvertTilbud


class UgyldigtDokumentError(Exception):
    """The document cannot become a command; `fejl` says why, field by field, in Danish."""

    def __init__(self, fejl: list[FeltFejl]) -> None:
        super().__init__(f"{len(fejl)} fejl")
        self.fejl = fejl


def laes_json(data: bytes, *, max_bytes: int = safejson.MAX_BYTES) -> dict[str, Any]:
    """The JSON object in `data`, parsed defensively (`magt_runtime.safejson`: size, depth,
    invalid escapes); UgyldigtDokumentError (Danish) when it is not one."""
    try:
        value = safejson.parse_json(data, max_bytes=max_bytes)
    except safejson.JsonRefusedError as error:
        raise UgyldigtDokumentError([_fejl("(fil)", error.message)]) from None
    if not isinstance(value, dict):
        raise UgyldigtDokumentError([_fejl("(fil)", "Filen skal indeholde ét JSON-objekt.")])
    return value


def kuvert(raw: dict[str, Any]) -> Kuvert:
    """Document id and institution id; UgyldigtDokumentError when even these are missing."""
    try:
        return Kuvert.model_validate(raw)
    except ValidationError as error:
        raise UgyldigtDokumentError(danske_fejl(error)) from None


def fortolk(raw: dict[str, Any]) -> SkemaDokument | KlageDokument:
    """The typed document; UgyldigtDokumentError with the document's own field paths otherwise."""
    try:
        return DOKUMENT_ADAPTER.validate_python(raw)
    except ValidationError as error:
        fejl = danske_fejl(error, tags=frozenset(DOKUMENTTYPER))
        raise UgyldigtDokumentError([_dokumenttype_fejl(f) for f in fejl]) from None


def kuvert_af_bytes(data: bytes) -> Kuvert | None:
    """Best effort for a document refused as unreadable: its document and institution id, when
    a lenient parse still finds them (so the institution can be told), else None."""
    try:
        return Kuvert.model_validate(json.loads(data.decode("utf-8", "replace")))
    except (ValueError, RecursionError):  # JSONDecodeError and ValidationError are ValueErrors
        return None


def indholdshash(raw: dict[str, Any]) -> str:
    """SHA-256 of the document's content in canonical JSON, export metadata left out."""
    indhold = {k: v for k, v in raw.items() if k not in METADATA}
    kanonisk = json.dumps(indhold, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(kanonisk.encode()).hexdigest()


def _dokumenttype_fejl(fejl: FeltFejl) -> FeltFejl:
    if fejl.field == "form_type":  # the discriminator: here it is the document type
        kendte = ", ".join(DOKUMENTTYPER)
        return _fejl("dokumenttype", f"Dokumenttypen mangler eller er ukendt. Kendte: {kendte}.")
    return fejl


def _fejl(felt: str, besked: str) -> FeltFejl:
    return FeltFejl(field=felt, message=besked)
