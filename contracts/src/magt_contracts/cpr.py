"""CPR numbers: format, real date, century from the 7th digit; modulus 11 only warns; pseudonyms.

Sources: CPR-loven § 3 (the personnummer), the CPR Office's century table (7th digit with the year).
Numbers issued since 2007 may fail modulus 11, so the check is a warning, never an error.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date

_CPR = re.compile(r"^(\d{2})(\d{2})(\d{2})-?(\d{4})$")
_VAEGTE = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)


def aarhundrede(aar2: int, syvende: int) -> int:
    """The century (1800, 1900 or 2000) from the two-digit year and the 7th digit."""
    if syvende <= 3:
        return 1900
    if syvende in (4, 9):
        return 2000 if aar2 <= 36 else 1900
    return 2000 if aar2 <= 57 else 1800


def foedselsdato(cpr: str) -> date:
    """The birth date in a CPR number; ValueError (Danish) when the number is not valid."""
    match = _CPR.match(cpr.strip())
    if match is None:
        raise ValueError("CPR-nummeret skal have formen DDMMÅÅ-SSSS eller DDMMÅÅSSSS.")
    dd, mm, yy, loebenr = match.groups()
    year = aarhundrede(int(yy), int(loebenr[0])) + int(yy)
    try:
        return date(year, int(mm), int(dd))
    except ValueError:
        raise ValueError("CPR-nummeret indeholder ikke en gyldig dato.") from None


def normaliser_cpr(cpr: str) -> str:
    """Validate and return the number as DDMMÅÅ-SSSS."""
    foedselsdato(cpr)
    cifre = cpr.strip().replace("-", "")
    return f"{cifre[:6]}-{cifre[6:]}"


def modulus11_ok(cpr: str) -> bool:
    """Whether the number passes the old modulus-11 check (a warning only when it does not)."""
    cifre = [int(c) for c in cpr.replace("-", "").strip()]
    return sum(v * c for v, c in zip(_VAEGTE, cifre, strict=True)) % 11 == 0


def alder(cpr: str, paa: date) -> int:
    """The age in whole years on `paa`."""
    born = foedselsdato(cpr)
    return paa.year - born.year - ((paa.month, paa.day) < (born.month, born.day))


def person_ref(cpr: str, secret: bytes) -> str:
    """A stable pseudonymous reference (HMAC-SHA256 of the normalised number)."""
    if not secret:
        raise ValueError("person_ref needs a non-empty secret")
    digest = hmac.new(secret, normaliser_cpr(cpr).encode(), hashlib.sha256).hexdigest()
    return f"p-{digest[:32]}"
