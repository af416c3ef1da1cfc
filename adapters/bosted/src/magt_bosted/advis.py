"""Advis to an institution: a row in the database (read over HTTP) and a Danish file in `advis/`.

The row is added in the transaction that caused it; the file is written afterwards by whoever
gets to it first (the handler right after its commit, or the watcher's next scan), under a name
derived from the row, written to a temporary name and renamed: a crash never leaves half a file
and a second write replaces the file with the same text.
"""

from __future__ import annotations

import os
from pathlib import Path
from uuid import UUID

import structlog
from sqlalchemy import Engine
from sqlmodel import Session

from magt_bosted.domain import Tekst
from magt_bosted.store import Advis, advis_uden_fil, tilfoej_advis
from magt_contracts.tid import lokal
from magt_runtime.tid import utc

log = structlog.get_logger(__name__)
ADVIS_MAPPE = "advis"


def ny_advis(
    session: Session,
    *,
    advis_id: UUID,
    institution_id: str,
    art: str,
    tekst: Tekst,
    case_id: str | None = None,
    dokument_id: str | None = None,
) -> bool:
    """Add an advis for the institution (once per id) in the caller's transaction."""
    return tilfoej_advis(
        session,
        Advis(
            advis_id=str(advis_id),
            institution_id=institution_id,
            case_id=case_id,
            dokument_id=dokument_id,
            art=art,
            titel=tekst.titel,
            tekst=tekst.tekst,
        ),
    )


def filnavn(advis: Advis) -> str:
    """The advis file's name: time, document and a short id, so a listing sorts by time."""
    tid = utc(advis.oprettet).strftime("%Y%m%dT%H%M%SZ")
    hvad = advis.dokument_id or advis.case_id or "advis"
    return f"{tid}-{hvad}-{advis.advis_id[:8]}.txt"


def filindhold(advis: Advis) -> str:
    """The Danish text of the advis file."""
    linjer = [
        "Advis fra Magtanvendelse",
        f"Emne: {advis.titel}",
        f"Tilbud: {advis.institution_id}",
        f"Dokument: {advis.dokument_id or '-'}",
        f"Sag: {advis.case_id or '-'}",
        f"Tidspunkt: {lokal(utc(advis.oprettet)).isoformat(timespec='seconds')}",
        f"Advis-id: {advis.advis_id}",
        "",
        advis.tekst,
    ]
    return "\n".join(linjer).rstrip("\n") + "\n"


def skriv_advisfiler(engine: Engine, drop_folder: Path, *, limit: int = 100) -> int:
    """Write the files of advis that have none yet; return how many were written."""
    mappe = drop_folder / ADVIS_MAPPE
    with Session(engine) as session:
        rows = advis_uden_fil(session, limit=limit)
        if not rows:
            return 0
        mappe.mkdir(parents=True, exist_ok=True)
        for row in rows:
            _skriv_atomisk(mappe / filnavn(row), filindhold(row))
            row.fil_skrevet = True
            session.add(row)
        session.commit()
    log.info("bosted.advis_written", count=len(rows))
    return len(rows)


def _skriv_atomisk(sti: Path, tekst: str) -> None:
    midlertidig = sti.with_name(f".{sti.name}.tmp")
    midlertidig.write_text(tekst, encoding="utf-8")
    os.replace(midlertidig, sti)
