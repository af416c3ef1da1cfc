"""Pure rules: what a received document means, ids, backoff, stability, Danish texts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from magt_bosted.domain import (
    Kendt,
    Status,
    Udfald,
    afgoer,
    afvisningsadvis,
    er_stabil,
    journaltekst,
    kommando_id,
    ventetid,
)

pytestmark = pytest.mark.unit


def _kendt(status: Status = Status.INDSENDT, *, version: int = 2, typ: str = "skema") -> Kendt:
    return Kendt(dokumenttype=typ, version=version, status=status, kendte_hashes=frozenset({"a"}))


@pytest.mark.parametrize(
    ("kendt", "typ", "version", "hash_", "udfald"),
    [
        (None, "skema", 1, "a", Udfald.NY),
        (_kendt(), "skema", 2, "a", Udfald.DUBLET),
        (_kendt(), "skema", 9, "a", Udfald.DUBLET),
        (_kendt(), "skema", 1, "b", Udfald.FORAELDET),
        (_kendt(), "skema", 2, "b", Udfald.RETTELSE),
        (_kendt(), "skema", 3, "b", Udfald.RETTELSE),
        (_kendt(Status.RETTET), "skema", 3, "b", Udfald.RETTELSE),
        (_kendt(Status.AFVIST), "skema", 3, "b", Udfald.GENINDSENDT),
        (_kendt(typ="klage"), "klage", 3, "b", Udfald.AFVIST),
        (_kendt(), "klage", 3, "b", Udfald.AFVIST),
    ],
)
def test_afgoer(kendt: Kendt | None, typ: str, version: int, hash_: str, udfald: Udfald) -> None:
    afgoerelse = afgoer(kendt, dokumenttype=typ, version=version, indholdshash=hash_)
    assert afgoerelse.udfald is udfald
    assert (afgoerelse.begrundelse is not None) == (udfald is Udfald.AFVIST)


def test_command_ids_are_deterministic_per_content_and_kind() -> None:
    assert kommando_id("d", "h", "submit") == kommando_id("d", "h", "submit")
    assert kommando_id("d", "h", "submit") != kommando_id("d", "h2", "submit")
    assert kommando_id("d", "h", "submit") != kommando_id("d", "h", "correct")


def test_backoff_doubles_and_is_capped() -> None:
    assert [ventetid(n, basis_s=1, loft_s=5).total_seconds() for n in range(1, 6)] == [
        1,
        2,
        4,
        5,
        5,
    ]


def test_a_file_is_stable_only_when_unchanged_long_enough() -> None:
    t0 = datetime(2025, 3, 1, 12, tzinfo=UTC)
    vent = timedelta(seconds=2)
    assert not er_stabil(None, (10, 1), None, tid=t0, stabil_efter=vent)
    assert not er_stabil((10, 1), (11, 2), t0, tid=t0 + vent, stabil_efter=vent)
    assert not er_stabil((10, 1), (10, 1), t0, tid=t0 + timedelta(seconds=1), stabil_efter=vent)
    assert er_stabil((10, 1), (10, 1), t0, tid=t0 + vent, stabil_efter=vent)


def test_texts_are_danish() -> None:
    advis = afvisningsadvis("BST-1", [("magtanvendelsesskema.barn.cpr", "Ugyldigt.")])
    assert "ikke registreret" in advis.tekst
    assert "- magtanvendelsesskema.barn.cpr: Ugyldigt." in advis.tekst
    journal = journaltekst(
        rolle="handlekommune",
        modtager="0860",
        kanal="sikker_mail",
        reference="<m@x>",
        tidspunkt=datetime(2025, 3, 15, 14, tzinfo=UTC),
    )
    assert journal.titel == "Indberetning om magtanvendelse sendt til handlekommunen (0860)"
    assert "med sikker mail" in journal.tekst
