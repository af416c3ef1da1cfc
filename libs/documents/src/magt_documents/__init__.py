"""Every document people receive, in Danish, as PDF/A from the contracts' data.

- `skema_pdf(form, sagsref=...)`: an official form, filled in (internal part never included);
- `brev_pdf(brev)`: a letter from `breve` (decision cover, complaint steps, orientations);
- `i_traad(...)`: run either in a worker thread, off the event loop.
"""

from __future__ import annotations

from datetime import UTC, datetime

from magt_contracts.forms import AnyForm

from . import breve, klageret, tekster
from .breve import Brev
from .pdf import Metadata, html_for, i_traad, pdf_af_html
from .udfyld import UdfyldtSkema, udfyld

FORFATTER = "Magtanvendelsesplatformen"
PDF_MIMETYPE = "application/pdf"


def skema_html(form: AnyForm, *, sagsref: str, oprettet: datetime | None = None) -> str:
    """The HTML of a filled-in official form."""
    skema: UdfyldtSkema = udfyld(form)
    meta = Metadata(
        titel=skema.titel.split(":", 1)[0],
        forfatter=form.institution.navn or FORFATTER,
        oprettet=oprettet or datetime.now(UTC),
        emne=skema.titel,
    )
    return html_for("skema.html.j2", meta, skema=skema, sagsref=sagsref)


def skema_pdf(form: AnyForm, *, sagsref: str, oprettet: datetime | None = None) -> bytes:
    """The PDF/A of a filled-in official form."""
    return pdf_af_html(skema_html(form, sagsref=sagsref, oprettet=oprettet))


def brev_html(brev: Brev, *, oprettet: datetime | None = None) -> str:
    """The HTML of a letter."""
    meta = Metadata(brev.titel, brev.afsender, oprettet or datetime.now(UTC), brev.titel)
    return html_for("brev.html.j2", meta, brev=brev)


def brev_pdf(brev: Brev, *, oprettet: datetime | None = None) -> bytes:
    """The PDF/A of a letter."""
    return pdf_af_html(brev_html(brev, oprettet=oprettet))


def pdf_filnavn(sagsref: str) -> str:
    """The file name a report's PDF travels under."""
    return f"indberetning-{sagsref}.pdf"


def journal_filnavn(sagsref: str) -> str:
    """The file name the form's PDF is journalised under in a source system (Bosted, Nexus)."""
    return f"magtanvendelse-{sagsref}.pdf"


__all__ = [
    "PDF_MIMETYPE",
    "Brev",
    "Metadata",
    "brev_html",
    "brev_pdf",
    "breve",
    "i_traad",
    "journal_filnavn",
    "klageret",
    "pdf_filnavn",
    "skema_html",
    "skema_pdf",
    "tekster",
]
