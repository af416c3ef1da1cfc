"""Raw documents after the intake: kept only encrypted, only for a while, then deleted.

A document taken in from the drop folder (to `behandlet/`) or refused (to `fejl/`) holds the
child's CPR number and name. The file is never left there in plaintext: `arkiver` writes it
encrypted with the platform's payload key (Fernet, `MAGT_PAYLOAD_KEYS`) under the same name, and
removes the original. An operator may decrypt it with `laes` while it is kept
(`MAGT_BOSTED_RAW_RETENTION_DAYS`, 0 = not kept at all); `ryd_op` then deletes it, with its
`.fejl.txt`. `ryd_op` is idempotent and safe with several replicas (a file another replica
already removed is skipped), and it also encrypts any plaintext file left by an older version.
Symbolic links are never followed: a link found there is removed, never its target; `laes_fil`
reads a file from the drop folder the same way (never through a link, never beyond the limit).
"""

from __future__ import annotations

import contextlib
import os
import stat
from datetime import datetime, timedelta
from pathlib import Path

import structlog

from magt_bosted.settings import Settings
from magt_runtime import safejson
from magt_runtime.crypto import FieldCipher

log = structlog.get_logger(__name__)
BEHANDLET, FEJL = "behandlet", "fejl"
_FERNET = b"gAAAAA"  # every Fernet token starts so (version byte 0x80 + timestamp)


LINK = "Filen er et symbolsk link. Links følges ikke; læg selve filen i mappen."
IKKE_FIL = "Det er ikke en almindelig fil."


class AfvistFilError(Exception):
    """The file is refused before it is read (too large, a link, not a regular file)."""

    def __init__(self, besked: str) -> None:
        super().__init__(besked)
        self.besked = besked


def laes_fil(sti: Path, max_bytes: int) -> bytes:
    """The file's bytes, never through a link and never more than `max_bytes`."""
    try:
        fd = os.open(sti, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise
    except OSError:  # ELOOP: a link put there after the scan looked
        raise AfvistFilError(LINK) from None
    with os.fdopen(fd, "rb") as fil:
        info = os.fstat(fil.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise AfvistFilError(IKKE_FIL)
        if info.st_size > max_bytes:
            raise AfvistFilError(safejson.too_large_message(max_bytes))
        data = fil.read(max_bytes + 1)
    if len(data) > max_bytes:  # it grew after the look
        raise AfvistFilError(safejson.too_large_message(max_bytes))
    return data


def arkiver(data: bytes, destination: Path, settings: Settings) -> None:
    """Keep `data` encrypted at `destination` (atomic), or not at all when retention is 0."""
    if settings.raw_retention_days <= 0:
        return
    _skriv_atomisk(destination, _cipher(settings).encrypt_bytes(data))


def laes(sti: Path, settings: Settings) -> bytes:
    """The original bytes of a kept raw document (for an operator's inspection)."""
    return _cipher(settings).decrypt_bytes(sti.read_bytes())


def ryd_op(settings: Settings, *, nu: datetime) -> int:
    """Delete kept raw documents older than the retention; encrypt plaintext ones. Returns the
    number of files deleted."""
    graense = (nu - timedelta(days=settings.raw_retention_days)).timestamp()
    slettet = 0
    for navn in (BEHANDLET, FEJL):
        mappe = settings.drop_folder / navn
        if not mappe.is_dir():
            continue
        for entry in os.scandir(mappe):
            slettet += _ryd_fil(entry, graense, settings)
    if slettet:
        log.info("bosted.raw_documents_deleted", count=slettet)
    return slettet


def _ryd_fil(entry: os.DirEntry[str], graense: float, settings: Settings) -> int:
    sti = Path(entry.path)
    try:
        if entry.is_symlink() or entry.stat(follow_symlinks=False).st_mtime < graense:
            sti.unlink()
            return 1
        if entry.is_file(follow_symlinks=False) and not entry.name.endswith(".fejl.txt"):
            _krypter_hvis_klar(sti, settings)
    except FileNotFoundError:  # another replica got there first
        pass
    return 0


def _krypter_hvis_klar(sti: Path, settings: Settings) -> None:
    with sti.open("rb") as fil:
        if fil.read(len(_FERNET)) == _FERNET:
            return
    data = sti.read_bytes()
    if settings.raw_retention_days <= 0:
        sti.unlink()
    else:
        arkiver(data, sti, settings)


def _cipher(settings: Settings) -> FieldCipher:
    return settings.payload_cipher()


def _skriv_atomisk(sti: Path, data: bytes) -> None:
    midlertidig = sti.with_name(f".{sti.name}.tmp")
    midlertidig.write_bytes(data)
    with contextlib.suppress(FileNotFoundError):
        os.replace(midlertidig, sti)
