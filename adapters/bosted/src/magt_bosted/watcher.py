"""The drop folder: Bosted exports `*.json` there; the watcher takes each in exactly once.

Protocol (docs/bosted-format.md): writers write `<name>.json.part` and rename it to `<name>.json`
when done. Because not every writer keeps to that, a `.json` file is read only when its size and
mtime are unchanged since an earlier look at least `stable_after_s` ago (the look is stored in the
database, so any replica may make the next one), and only when it parses.

Per file: the document is recorded (id + content hash) and its command staged in ONE
transaction; only then is the file moved to `behandlet/`. A crash between the two leaves the
file in place; the next scan finds the receipt and only moves it. Unreadable or invalid files go
to `fejl/` with a Danish `<name>.fejl.txt` next to them (written before the move), and the
institution gets an advis whenever the document names it.

Hostile files (docs/bosted-format.md): a file larger than `max_document_bytes` is refused unread,
a symbolic link is refused and never followed (nor its target touched), JSON is parsed with
limits (`magt_runtime.safejson`: depth, invalid escapes). One bad file never blocks the next: a
file that fails unexpectedly is retried on later scans, the others go on, and after
`max_file_attempts` it goes to `fejl/` too. Raw documents are kept only encrypted
(`magt_bosted.raa`). `magt_bosted.vagt.blokeret` tells /health when the folder does not move.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import structlog
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from magt_bosted import dokument as fmt
from magt_bosted import raa
from magt_bosted.advis import ny_advis, skriv_advisfiler
from magt_bosted.domain import Udfald, afledt_id, afvisningsadvis, er_stabil, kommando_id
from magt_bosted.intake import Kvittering, i_transaktion, modtag
from magt_bosted.settings import Settings
from magt_bosted.store import FilObservation
from magt_bosted.vagt import Vagt
from magt_contracts.messages import FeltFejl
from magt_runtime import wakeup
from magt_runtime.tid import utc

log = structlog.get_logger(__name__)
BEHANDLET, FEJL = raa.BEHANDLET, raa.FEJL
ULAESELIG = "Filen kunne ikke læses og er ikke behandlet."
INTERN_FEJL = "Filen kunne ikke behandles på grund af en fejl i systemet; driften er underrettet."


@dataclass(frozen=True)
class Resultat:
    """What one scan did, file name → verdict (for logs and tests)."""

    behandlet: dict[str, str]
    venter: list[str]


def scan_once(
    engine: Engine, settings: Settings, *, nu: datetime | None = None, vagt: Vagt | None = None
) -> Resultat:
    """Look at every `*.json` in the drop folder once; take in the stable ones."""
    tid = nu or datetime.now(UTC)
    vagt = vagt if vagt is not None else Vagt()
    mappe = settings.drop_folder
    for navn in (BEHANDLET, FEJL):
        (mappe / navn).mkdir(parents=True, exist_ok=True)
    behandlet: dict[str, str] = {}
    venter: list[str] = []
    filer = sorted(
        (e for e in os.scandir(mappe) if e.name.endswith(".json") and not e.name.startswith(".")),
        key=lambda e: e.name,
    )
    for entry in filer:
        sti = Path(entry.path)
        if entry.is_symlink():
            behandlet[entry.name] = _afvis_ulaest(engine, sti, raa.LINK)
        elif not entry.is_file(follow_symlinks=False):
            continue  # a folder named *.json: not ours
        elif not _klar(engine, sti, tid, timedelta(seconds=settings.stable_after_s)):
            venter.append(entry.name)
        else:
            behandlet[entry.name] = _behandl_isoleret(engine, settings, sti, vagt)
    _glem_forsvundne(engine, {e.name for e in filer})
    skriv_advisfiler(engine, mappe)
    vagt.sidste_scan = tid
    return Resultat(behandlet, venter)


def behandl_fil(engine: Engine, settings: Settings, sti: Path) -> str:
    """Take in one stable file and move it; return the verdict."""
    try:
        data = raa.laes_fil(sti, settings.max_document_bytes)
    except FileNotFoundError:
        return "forsvundet"  # another replica moved it first
    except raa.AfvistFilError as error:
        return _afvis_ulaest(engine, sti, error.besked)
    try:
        raw = fmt.laes_json(data, max_bytes=settings.max_document_bytes)
        kvittering = i_transaktion(engine, lambda s: _modtag_med_advis(s, raw, settings))
    except fmt.UgyldigtDokumentError as error:
        fejl = error.fejl
        i_transaktion(engine, lambda s: _advis_om_ulaeselig(s, data, fejl))
        _til_fejl(sti, data, fejl, ULAESELIG, settings)
        _glem(engine, sti.name)
        return "ulaeselig"
    if kvittering.udfald is Udfald.AFVIST:
        _til_fejl(sti, data, kvittering.fejl, _overskrift(kvittering), settings)
    else:
        flyt(sti, settings.drop_folder / BEHANDLET, data, settings)
    _glem(engine, sti.name)
    return str(kvittering.udfald)


def flyt(sti: Path, maal: Path, data: bytes, settings: Settings) -> Path | None:
    """Keep `data` (the file's content) encrypted in folder `maal` under a free name and remove
    the file (`magt_bosted.raa`); None if it is gone."""
    if not sti.exists():
        return None
    destination = _ledigt_navn(maal, sti.name)
    raa.arkiver(data, destination, settings)
    try:
        sti.unlink()
    except FileNotFoundError:
        return None
    return destination


async def watch(
    engine: Engine, settings: Settings, stop: asyncio.Event, vagt: Vagt | None = None
) -> None:
    """Scan the folder every `poll_interval_s` while files arrive (the pause doubles up to
    `poll_idle_max_s` while it stays empty) and clean up kept raw documents every
    `retention_interval_s`, until `stop` is set; survive every error."""
    vagt = vagt if vagt is not None else Vagt()
    settings.drop_folder.mkdir(parents=True, exist_ok=True)
    vagt.startet = datetime.now(UTC)
    log.info("bosted.watcher_started")
    naeste_oprydning = vagt.startet
    backoff = wakeup.Backoff(settings.poll_interval_s, settings.poll_idle_max_s)
    while not stop.is_set():
        try:
            resultat = await asyncio.to_thread(scan_once, engine, settings, vagt=vagt)
            if resultat.behandlet or resultat.venter:
                backoff.worked()  # files arrive together: look again soon
            if datetime.now(UTC) >= naeste_oprydning:
                await asyncio.to_thread(raa.ryd_op, settings, nu=datetime.now(UTC))
                naeste_oprydning = datetime.now(UTC) + timedelta(
                    seconds=settings.retention_interval_s
                )
        except Exception:
            log.exception("bosted.watcher_failed")
        # While the folder stays empty the pause grows, up to `poll_idle_max_s`.
        await wakeup.wait_for_work(stop, backoff.idle())


def _behandl_isoleret(engine: Engine, settings: Settings, sti: Path, vagt: Vagt) -> str:
    """`behandl_fil`, but an unexpected error stays with this file: retried on the next scans,
    and after `max_file_attempts` the file goes to `fejl/`; the scan goes on with the next."""
    try:
        udfald = behandl_fil(engine, settings, sti)
    except Exception:
        forsoeg = vagt.fejlede.get(sti.name, 0) + 1
        log.exception("bosted.file_failed", fil=sti.name, attempt=forsoeg)
        if forsoeg < settings.max_file_attempts:
            vagt.fejlede[sti.name] = forsoeg
            return "fejl"
        vagt.fejlede.pop(sti.name, None)
        data: bytes | None = None
        with contextlib.suppress(OSError, raa.AfvistFilError):
            data = raa.laes_fil(sti, settings.max_document_bytes)
        _til_fejl(sti, data, [FeltFejl(field="(fil)", message=INTERN_FEJL)], ULAESELIG, settings)
        _glem(engine, sti.name)
        return "fejlet"
    vagt.fejlede.pop(sti.name, None)
    return udfald


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


def _til_fejl(
    sti: Path,
    data: bytes | None,
    fejl: list[FeltFejl],
    overskrift: str,
    settings: Settings | None = None,
) -> None:
    """Write the Danish `.fejl.txt` in `fejl/`, keep the content there encrypted when it was
    read (`data` with `settings`), and remove the file (a link itself, never its target)."""
    destination = _ledigt_navn(sti.parent / FEJL, sti.name)
    linjer = [overskrift, "", *(f"- {f.field}: {f.message}" for f in fejl)]
    fejlfil = destination.with_name(destination.name + ".fejl.txt")
    fejlfil.write_text("\n".join(linjer) + "\n", encoding="utf-8")
    if data is not None and settings is not None:
        raa.arkiver(data, destination, settings)
    with contextlib.suppress(FileNotFoundError):
        sti.unlink()


def _afvis_ulaest(engine: Engine, sti: Path, besked: str) -> str:
    """Refuse a file without reading it (a link, too large, not a regular file)."""
    _til_fejl(sti, None, [FeltFejl(field="(fil)", message=besked)], ULAESELIG)
    _glem(engine, sti.name)
    return "afvist_fil"


def _advis_om_ulaeselig(session: Session, data: bytes, fejl: list[FeltFejl]) -> None:
    """Tell the institution about an unreadable file when the file still names it."""
    kuvert = fmt.kuvert_af_bytes(data)
    if kuvert is None:
        return
    hash_ = hashlib.sha256(data).hexdigest()
    ny_advis(
        session,
        advis_id=afledt_id(kommando_id(kuvert.dokument_id, hash_, "ulaeselig"), "advis"),
        institution_id=kuvert.institution.tilbud_id,
        art="afvisning",
        tekst=afvisningsadvis(kuvert.dokument_id, [(f.field, f.message) for f in fejl]),
        dokument_id=kuvert.dokument_id,
    )


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
