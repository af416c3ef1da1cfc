"""Applying a legal period to a moment, in Danish time."""

from __future__ import annotations

from datetime import datetime

from magt_contracts import tid
from magt_contracts.catalogue.model import Enhed, Varighed


def udloeb(start: datetime, varighed: Varighed) -> datetime:
    """When a period of `varighed` that starts at `start` runs out (Danish time, DST-safe)."""
    match varighed.enhed:
        case Enhed.TIMER:
            return tid.plus_timer(start, varighed.antal)
        case Enhed.DAGE:
            return tid.plus_dage(start, varighed.antal)
        case Enhed.UGER:
            return tid.plus_dage(start, 7 * varighed.antal)
        case Enhed.MAANEDER:
            return tid.plus_maaneder(start, varighed.antal)
        case Enhed.MAANEDENS_UDGANG:
            return tid.maanedens_udgang(start, maaneder_frem=varighed.antal)
        case Enhed.MAANED_EFTER_KVARTAL:
            kvartal_slut = tid.kvartalets_udgang(start)
            return tid.maanedens_udgang(kvartal_slut, maaneder_frem=varighed.antal)
