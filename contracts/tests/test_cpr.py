"""CPR numbers (SPEC.md section 6): format, real date, century table, modulus 11 only warns."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magt_contracts.cpr import (
    aarhundrede,
    alder,
    foedselsdato,
    modulus11_ok,
    normaliser_cpr,
    person_ref,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("cpr", "forventet"),
    [
        ("010190-1234", date(1990, 1, 1)),
        ("0101901234", date(1990, 1, 1)),
        ("010110-4321", date(2010, 1, 1)),  # 7th digit 4, year ≤ 36 → 2000s
        ("010140-4321", date(1940, 1, 1)),  # 7th digit 4, year > 36 → 1900s
        ("010160-5321", date(1860, 1, 1)),  # 7th digit 5-8, year > 57 → 1800s
        ("010150-5321", date(2050, 1, 1)),
        ("010199-9321", date(1999, 1, 1)),
        ("290200-4000", date(2000, 2, 29)),
    ],
)
def test_century_from_seventh_digit_spec_6(cpr: str, forventet: date) -> None:
    assert foedselsdato(cpr) == forventet


@pytest.mark.parametrize("cpr", ["01019-1234", "0101901234x", "ab0190-1234", "010190 1234", ""])
def test_format_must_be_ddmmyy_ssss_spec_6(cpr: str) -> None:
    with pytest.raises(ValueError, match="DDMMÅÅ"):
        foedselsdato(cpr)


def test_date_must_be_real_spec_6() -> None:
    with pytest.raises(ValueError, match="gyldig dato"):
        foedselsdato("310299-1234")
    with pytest.raises(ValueError, match="gyldig dato"):
        foedselsdato("290201-4000")


def test_modulus11_is_only_a_check_spec_6() -> None:
    """Numbers without modulus 11 are issued since 2007: they normalise fine, the check only says so."""
    assert modulus11_ok("070761-4285")  # a textbook mod-11 number (fictitious)
    assert not modulus11_ok("010190-1234")
    assert normaliser_cpr("0101901234") == "010190-1234"


def test_century_table_has_three_centuries() -> None:
    assert {aarhundrede(y, d) for y in range(100) for d in range(10)} == {1800, 1900, 2000}


def test_age() -> None:
    assert alder("010110-4321", date(2022, 1, 1)) == 12
    assert alder("010110-4321", date(2021, 12, 31)) == 11


@given(st.dates(date(1900, 1, 1), date(2036, 12, 31)), st.integers(0, 999))
def test_person_ref_is_stable_and_hides_the_cpr(dag: date, loebe: int) -> None:
    """The same citizen gets the same reference; the reference holds no digits of the CPR."""
    syvende = 4 if dag.year >= 2000 else 0
    cpr = f"{dag:%d%m%y}-{syvende}{loebe:03d}"
    ref = person_ref(cpr, b"hemmelig")
    assert ref == person_ref(cpr.replace("-", ""), b"hemmelig")
    assert ref != person_ref(cpr, b"anden")
    assert cpr.replace("-", "") not in ref
    assert cpr not in ref
