"""Whether an intervention's legal basis is in force on the day it was used (pure).

Rule: a report is assessed against the intervention set in force on the day of the incident
(`Indgrebstype.valid_from`/`valid_to`, the act's commencement and repeal: e.g. SEL § 136 d to
30 June 2024, § 124 d, stk. 1 and § 128 h from 1 July 2024, L 188 (2023-24)). A code the
catalogue knows but not on that day is flagged, naming the form's field and the periods in
which the basis applies; an accepted form keeps parsing.
"""

from __future__ import annotations

from datetime import date

from magt_contracts.catalogue import Katalog
from magt_contracts.catalogue.model import FOER_KILDERNE, Indgrebstype
from magt_contracts.rules.flag import flag
from magt_contracts.vaerdier import Flag


def periode_tekst(typ: Indgrebstype) -> str:
    """The period of a type in Danish: 'fra 2024-07-01', 'til og med 2024-06-30'."""
    fra = None if typ.valid_from == FOER_KILDERNE else typ.valid_from.isoformat()
    til = typ.valid_to.isoformat() if typ.valid_to is not None else None
    if fra and til:
        return f"fra {fra} til og med {til}"
    if til:
        return f"til og med {til}"
    return f"fra {fra}" if fra else "uden slutdato"


def uden_for_perioden(kat: Katalog, regime: str, kode: str, dag: date, felt: str) -> list[Flag]:
    """The flag for a known intervention `kode` whose basis is not in force on `dag`."""
    if kat.indgrebstype(regime, kode, dag) is not None:
        return []
    typer = kat.indgrebsperioder(regime, kode)
    if not typer:
        return []
    perioder = "; ".join(f"{t.paragraf} {periode_tekst(t)}" for t in typer)
    detalje = f"Feltet '{felt}': '{kode}' ({perioder}) gælder ikke den {dag.isoformat()}."
    return [flag("intervention-not-in-force", str(typer[-1].kilde), detalje)]
