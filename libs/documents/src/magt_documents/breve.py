"""The letters people receive, pure: title, sender, date, case reference and sections.

Each builder takes the contracts' data (a form, a klager event) and returns a `Brev`; `pdf.py`
typesets it. Letters name the case by what happened, where and when; the documents they go with
carry the persons' details.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from magt_contracts.catalogue import standard_katalog
from magt_contracts.catalogue.model import Beslutter
from magt_contracts.forms import (
    AnyForm,
    KommunalAfgoerelse,
    Skema1,
    Skema1a,
    Skema1b,
    ValIndberetning,
)
from magt_contracts.forms.sel import Udfald
from magt_contracts.messages.klager import (
    ComplaintForwarded,
    ComplaintReceived,
    ComplaintReconsidered,
    ComplaintStatementIssued,
)
from magt_contracts.rules import klageadgang as ka
from magt_contracts.rules.klagevejledning import BESLUTTER_NAVN, DOMSTOLSPROEVELSE
from magt_contracts.tid import lokal

from .klageret import Klageret, for_skema, kommunenavn
from .tekster import skematekst
from .udfyld import dato, indgreb_tekst, tidspunkt


@dataclass(frozen=True)
class Afsnit:
    """A heading (may be empty) and its paragraphs."""

    overskrift: str
    tekst: tuple[str, ...]


@dataclass(frozen=True)
class Brev:
    """One letter."""

    titel: str
    afsender: str
    dato: str
    sagsref: str
    afsnit: tuple[Afsnit, ...]


KLAGERET_OVERSKRIFT = "Din ret til at klage"


def _smaat(tekst: str) -> str:
    return tekst[:1].lower() + tekst[1:]


def _klage(ret: Klageret) -> Afsnit:
    return Afsnit(KLAGERET_OVERSKRIFT, ret.tekst)


def hvad_skete(form: AnyForm) -> str:
    """The case in plain words: what, where and when (no person named)."""
    sted = form.institution.navn
    if isinstance(form, KommunalAfgoerelse):
        indgreb = _smaat(indgreb_tekst("sel", form.indgreb, lokal(form.meddelt_tidspunkt).date()))
        beslutter = Beslutter(form.afgjort_af)
        hvem = (
            BESLUTTER_NAVN[beslutter][0]
            if beslutter in BESLUTTER_NAVN
            else kommunenavn(form.kommune)
        )
        match form.udfald:
            case Udfald.GODKENDT:
                return f"{hvem} har givet tilladelse til {indgreb} på {sted}."
            case Udfald.AFSLAG:
                return f"{hvem} har givet afslag på {indgreb} på {sted}."
            case Udfald.INDSTILLET:
                return (
                    f"{kommunenavn(form.kommune)} har indstillet til Familieretshuset, at der "
                    f"træffes afgørelse om {indgreb} ({sted})."
                )
    if isinstance(form, ValIndberetning | Skema1):
        start = form.episode.start
        paa = lokal(start).date()
        koder = form.indgreb if isinstance(form, ValIndberetning) else [form.indgreb]
        regime = "val" if isinstance(form, ValIndberetning) else "sel"
        indgreb = ", ".join(_smaat(indgreb_tekst(regime, k, paa)) for k in koder)
        return f"Der er brugt magt ({indgreb}) på {sted} den {tidspunkt(start)}."
    tekst = skematekst(form.form_type, form.form_version)
    return f"{sted} har sendt {tekst.titel.split(':', 1)[0].lower()}: {tekst.titel.split(':', 1)[-1].strip().lower()}."


def foelgebrev(form: AnyForm, *, sagsref: str, afsender: str, paa: date, titel: str) -> Brev:
    """The Digital Post letter that goes with a form's PDF."""
    return Brev(
        titel=titel,
        afsender=afsender,
        dato=dato(paa),
        sagsref=sagsref,
        afsnit=(
            Afsnit("Hvad er der sket", (hvad_skete(form),)),
            Afsnit(
                "Hvorfor får du dette brev",
                (
                    "Du får brevet, fordi du efter reglerne skal orienteres om sagen. "
                    "Dokumentet er vedhæftet som PDF.",
                ),
            ),
            _klage(for_skema(form, paa)),
        ),
    )


def foraelder_orientering(form: ValIndberetning, *, sagsref: str, afsender: str, paa: date) -> Brev:
    """The parent's orientation about force against their child."""
    return Brev(
        titel="Orientering om magtanvendelse over for dit barn",
        afsender=afsender,
        dato=dato(paa),
        sagsref=sagsref,
        afsnit=(
            Afsnit("Hvad er der sket", (hvad_skete(form), form.episode.beskrivelse)),
            Afsnit(
                "Hvorfor får du dette brev",
                (
                    "Som indehaver af forældremyndigheden skal du orienteres, når der er brugt "
                    "magt over for dit barn. Indberetningen er sendt til den anbringende kommune.",
                ),
            ),
            _klage(for_skema(form, paa)),
        ),
    )


def paaroerende_orientering(
    forms: Sequence[Skema1a | Skema1b], *, maaned: str, sagsref: str, afsender: str, paa: date
) -> Brev:
    """The relatives' monthly orientation: the month's interventions and the right to complain."""
    if not forms:
        raise ValueError("Orienteringen skal omfatte mindst ét indgreb.")
    linjer = tuple(hvad_skete(f) for f in sorted(forms, key=lambda f: f.episode.start))
    rettigheder = for_skema(forms[0], paa).tekst
    return Brev(
        titel=f"Månedlig orientering om magtindgreb, {maaned}",
        afsender=afsender,
        dato=dato(paa),
        sagsref=sagsref,
        afsnit=(
            Afsnit(
                "Hvorfor får du dette brev",
                (
                    "Borgeren kan ikke selv klage. Lederen af tilbuddet skal derfor ca. én gang "
                    "om måneden orientere pårørende, værge eller fremtidsfuldmægtig om de "
                    "magtindgreb, der har været foretaget.",
                ),
            ),
            Afsnit("Magtindgreb i perioden", linjer),
            Afsnit(
                KLAGERET_OVERSKRIFT,
                tuple(dict.fromkeys((*rettigheder, DOMSTOLSPROEVELSE))),
            ),
        ),
    )


def _klagebrev(titel: str, sagsref: str, afsender: str, moment: datetime, *afsnit: Afsnit) -> Brev:
    return Brev(titel, afsender, dato(lokal(moment).date()), sagsref, afsnit)


def klagekvittering(event: ComplaintReceived, *, afsender: str) -> Brev:
    """The receipt of a complaint with standing: what happens next and by when."""
    spor = ka.spor_for(event.klagetype)
    kat, paa = standard_katalog(), lokal(event.occurred_at).date()
    genvurdering = kat.frist("klage.genvurdering", paa).varighed.antal
    familieretshuset = kat.frist("sel.familieretshuset_afgoerelse", paa).varighed.antal
    naeste = {
        ka.Spor.AFGOERELSE: f"Kommunen vurderer afgørelsen igen inden {genvurdering} uger. "
        "Fastholder kommunen afgørelsen, sendes klagen videre til Ankestyrelsen, og du får besked.",
        ka.Spor.AKUT_MAGT: "Kommunalbestyrelsen vurderer, om magtanvendelsen var lovlig, og "
        "sender dig en skriftlig udtalelse.",
        ka.Spor.VAL: "Kommunalbestyrelsen i opholdskommunen behandler klagen og sender dig sin "
        "afgørelse.",
        ka.Spor.FLYTNING_AFSLAG: "Klagen sendes til Familieretshuset, som afgør den inden "
        f"{familieretshuset} uger.",
    }[spor]
    sent = (
        ()
        if event.rettidig
        else (
            "Klagen er kommet efter klagefristen. Den er registreret som for sen, og kommunen "
            "vurderer, om den alligevel kan behandles.",
        )
    )
    return _klagebrev(
        "Kvittering for din klage over magtanvendelse",
        event.klage_id,
        afsender,
        event.occurred_at,
        Afsnit(
            "Vi har modtaget din klage",
            (
                f"{kommunenavn(event.handlekommune)} har modtaget din klage den "
                f"{tidspunkt(event.occurred_at)}.",
                *sent,
            ),
        ),
        Afsnit("Hvad sker der nu", (naeste,)),
    )


def udtalelse(event: ComplaintStatementIssued, *, afsender: str) -> Brev:
    """Kommunalbestyrelsen's written statement on acute force."""
    vurdering = (
        "Kommunalbestyrelsen vurderer, at magtanvendelsen var lovlig."
        if event.lovlig
        else "Kommunalbestyrelsen vurderer, at magtanvendelsen ikke var lovlig. Tilbuddet er "
        "orienteret og skal følge op, så det ikke sker igen."
    )
    return _klagebrev(
        "Udtalelse om magtanvendelse",
        event.klage_id,
        afsender,
        event.occurred_at,
        Afsnit("Kommunalbestyrelsens udtalelse", (vurdering,)),
        Afsnit(
            KLAGERET_OVERSKRIFT,
            (
                "Udtalelsen er ikke en afgørelse og kan ikke påklages. Er der foretaget indgreb, som "
                "kan indbringes for retten, sørger kommunen for en advokat og for at indbringe sagen.",
            ),
        ),
    )


def genvurdering(event: ComplaintReconsidered, *, afsender: str) -> Brev:
    """The municipality's reconsideration of a decision after a complaint."""
    tekst = (
        "Kommunen har vurderet afgørelsen igen og fastholder den. Klagen sendes derfor videre til "
        "Ankestyrelsen, som træffer afgørelse i sagen."
        if event.fastholdt
        else "Kommunen har vurderet afgørelsen igen og ændrer den, så du får medhold. Du får en "
        "ny afgørelse med klagevejledning."
    )
    return _klagebrev(
        "Kommunens genvurdering af afgørelsen",
        event.klage_id,
        afsender,
        event.occurred_at,
        Afsnit("Genvurdering", (tekst,)),
    )


def videresendelse(event: ComplaintForwarded, *, afsender: str) -> Brev:
    """The forwarding of an upheld complaint to Ankestyrelsen."""
    return _klagebrev(
        "Din klage er sendt videre til Ankestyrelsen",
        event.klage_id,
        afsender,
        event.occurred_at,
        Afsnit(
            "Videresendelse",
            (
                f"Kommunen har fastholdt afgørelsen og har den {tidspunkt(event.occurred_at)} sendt "
                "klagen og sagens akter til Ankestyrelsen.",
                "Ankestyrelsen sender sin afgørelse til dig. Henvend dig til kommunen med "
                "sagsreferencen, hvis du har spørgsmål.",
            ),
        ),
    )
