"""The drop folder: Bosted exports `*.json` there; the watcher takes each in exactly once.

Protocol (docs/bosted-format.md): writers write `<name>.json.part` and rename it to `<name>.json`
when done. Because not every writer keeps to that, a `.json` file is read only when its size and
mtime are unchanged since an earlier look at least `stable_after_s` ago (the look is stored in the
database, so any replica may make the next one), and only when it parses.

Per file: the document is recorded (id + content hash) and its command staged in ONE
transaction; only then is the file moved to `behandlet/`. A crash between the two leaves the
file in place; the next scan finds the receipt and only moves it. Unreadable or invalid files go
to `fejl/` with a Danish `<name>.fejl.txt` next to them (written before the move).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import structlog
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from magt_bosted import dokument as fmt
from magt_bosted.advis import ny_advis, skriv_advisfiler
from magt_bosted.domain import Udfald, afledt_id, afvisningsadvis, er_stabil, kommando_id
from magt_bosted.intake import Kvittering, i_transaktion, modtag
from magt_bosted.settings import Settings
from magt_bosted.store import FilObservation, utc
from magt_contracts.messages import FeltFejl

log = structlog.get_logger(__name__)
BEHANDLET, FEJL = "behandlet", "fejl"


@dataclass(frozen=True)
class Resultat:
    """What one scan did, file name → verdict (for logs and tests)."""

    behandlet: dict[str, str]
    venter: list[str]


def scan_once(engine: Engine, settings: Settings, *, nu: datetime | None = None) -> Resultat:
    """Look at every `*.json` in the drop folder once; take in the stable ones."""
    tid = nu or datetime.now(UTC)
    mappe = settings.drop_folder
    for navn in (BEHANDLET, FEJL):
        (mappe / navn).mkdir(parents=True, exist_ok=True)
    behandlet: dict[str, str] = {}
    venter: list[str] = []
    filer = sorted(p for p in mappe.glob("*.json") if p.is_file())
    for sti in filer:
        if not _klar(engine, sti, tid, timedelta(seconds=settings.stable_after_s)):
            venter.append(sti.name)
            continue
        behandlet[sti.name] = behandl_fil(engine, settings, sti)
    _glem_forsvundne(engine, {p.name for p in filer})
    skriv_advisfiler(engine, mappe)
    return Resultat(behandlet, venter)


def behandl_fil(engine: Engine, settings: Settings, sti: Path) -> str:
    """Take in one stable file and move it; return the verdict."""
    try:
        raw = fmt.laes_json(sti.read_bytes())
        kvittering = i_transaktion(engine, lambda s: _modtag_med_advis(s, raw, settings))
    except FileNotFoundError:
        return "forsvundet"  # another replica moved it first
    except fmt.UgyldigtDokumentError as error:
        _til_fejl(sti, error.fejl, "Filen kunne ikke læses og er ikke behandlet.")
        return "ulaeselig"
    if kvittering.udfald is Udfald.AFVIST:
        _til_fejl(sti, kvittering.fejl, _overskrift(kvittering))
    else:
        flyt(sti, settings.drop_folder / BEHANDLET)
    _glem(engine, sti.name)
    return str(kvittering.udfald)


def flyt(sti: Path, maal: Path) -> Path | None:
    """Move `sti` into folder `maal` under a free name (atomic rename); None if it is gone."""
    destination = _ledigt_navn(maal, sti.name)
    try:
        os.replace(sti, destination)
    except FileNotFoundError:
        return None
    return destination


async def watch(engine: Engine, settings: Settings, stop: asyncio.Event) -> None:
    """Scan the folder every `poll_interval_s` until `stop` is set; survive every error."""
    settings.drop_folder.mkdir(parents=True, exist_ok=True)
    log.info("bosted.watcher_started")
    while not stop.is_set():
        try:
            await asyncio.to_thread(scan_once, engine, settings)
        except Exception:
            log.exception("bosted.watcher_failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.poll_interval_s)


def _modtag_med_advis(session: Session, raw: dict[str, object], settings: Settings) -> Kvittering:
    kvittering = modtag(session, raw=dict(raw), settings=settings, kilde="mappe")
    if kvittering.udfald is Udfald.AFVIST:
        hash_ = fmt.indholdshash(dict(raw))
        ny_advis(
            session,
            advis_id=afledt_id(kommando_id(kvittering.dokument_id, hash_, "afvist"), "advis"),
            institution_id=kvittering.institution_id,
            art="afvisning",
            tekst=afvisningsadvis(
                kvittering.dokument_id, [(f.field, f.message) for f in kvittering.fejl]
            ),
            case_id=kvittering.case_id,
            dokument_id=kvittering.dokument_id,
        )
    return kvittering


def _klar(engine: Engine, sti: Path, tid: datetime, stabil_efter: timedelta) -> bool:
    try:
        stat = sti.stat()
    except FileNotFoundError:
        return False
    nu = (stat.st_size, stat.st_mtime_ns)
    with Session(engine) as session:
        row = session.get(FilObservation, sti.name)
        foer = (row.stoerrelse, row.mtime_ns) if row else None
        if er_stabil(
            foer, nu, utc(row.observeret) if row else None, tid=tid, stabil_efter=stabil_efter
        ):
            return True
        if foer != nu:
            session.merge(
                FilObservation(navn=sti.name, stoerrelse=nu[0], mtime_ns=nu[1], observeret=utc(tid))
            )
            with contextlib.suppress(IntegrityError):  # another replica looked at the same moment
                session.commit()
    return False


def _glem(engine: Engine, navn: str) -> None:
    with Session(engine) as session:
        row = session.get(FilObservation, navn)
        if row is not None:
            session.delete(row)
            session.commit()


def _glem_forsvundne(engine: Engine, tilstede: set[str]) -> None:
    with Session(engine) as session:
        gamle = session.exec(
            select(FilObservation).where(col(FilObservation.navn).not_in(tilstede))
        )
        for row in gamle:
            session.delete(row)
        session.commit()


def _til_fejl(sti: Path, fejl: list[FeltFejl], overskrift: str) -> None:
    mappe = sti.parent / FEJL
    destination = _ledigt_navn(mappe, sti.name)
    linjer = [overskrift, "", *(f"- {f.field}: {f.message}" for f in fejl)]
    fejlfil = destination.with_name(destination.name + ".fejl.txt")
    fejlfil.write_text("\n".join(linjer) + "\n", encoding="utf-8")
    with contextlib.suppress(FileNotFoundError):
        os.replace(sti, destination)


def _overskrift(kvittering: Kvittering) -> str:
    return (
        f"Dokument {kvittering.dokument_id} er afvist og ikke registreret. "
        "Ret følgende i Bosted, og eksportér dokumentet igen:"
    )


def _ledigt_navn(mappe: Path, navn: str) -> Path:
    kandidat = mappe / navn
    stamme, endelse = Path(navn).stem, Path(navn).suffix
    nummer = 1
    while kandidat.exists():
        kandidat = mappe / f"{stamme}.{nummer}{endelse}"
        nummer += 1
    return kandidat
