"""The state machine exhaustively: every state × every command is a transition or a Danish refusal."""

from __future__ import annotations

import itertools
from datetime import datetime
from uuid import uuid4

import pytest

from magt_contracts.messages import (
    ComplaintDecided,
    ComplaintDismissed,
    ComplaintForwarded,
    ComplaintReceived,
    ComplaintReconsidered,
    ComplaintRedirected,
    ComplaintStatementIssued,
)
from magt_contracts.rules import klageadgang as ka
from magt_klager.domain import (
    OVERGANGE,
    SLUTSTATUS,
    Afvist,
    Grundlag,
    Handling,
    Klage,
    Kommando,
    Status,
    Udfoert,
    afgoerelse_handling,
    anvend,
    indgiv_handling,
    overgang,
)

pytestmark = pytest.mark.unit
T = datetime.fromisoformat("2025-03-03T10:00:00+01:00")
EVENT_TYPE = {
    "received": ComplaintReceived,
    "dismissed": ComplaintDismissed,
    "redirected": ComplaintRedirected,
    "reconsidered": ComplaintReconsidered,
    "forwarded-ankestyrelsen": ComplaintForwarded,
    "forwarded-familieretshuset": ComplaintForwarded,
    "decided": ComplaintDecided,
    "statement": ComplaintStatementIssued,
}
# What the law allows (seed 003, seed 000, SPEC 2), written out independently of the table.
FORVENTET = {
    (Status.NY, Handling.INDGIV_AFVIST): Status.AFVIST,
    (Status.NY, Handling.INDGIV_OMDIRIGERET): Status.AFVENTER_GENVURDERING,
    (Status.NY, Handling.INDGIV_AFGOERELSE): Status.AFVENTER_GENVURDERING,
    (Status.NY, Handling.INDGIV_DIREKTE): Status.HOS_ANKESTYRELSEN,  # SEL § 134, stk. 4
    (Status.NY, Handling.INDGIV_AKUT): Status.AFVENTER_UDTALELSE,
    (Status.NY, Handling.INDGIV_VAL): Status.AFVENTER_KOMMUNALBESTYRELSE,
    (Status.NY, Handling.INDGIV_FLYTNING): Status.HOS_FAMILIERETSHUSET,
    (Status.AFVENTER_GENVURDERING, Handling.GENVURDERING_FASTHOLDT): Status.HOS_ANKESTYRELSEN,
    (Status.AFVENTER_GENVURDERING, Handling.GENVURDERING_AENDRET): Status.AFGJORT,
    (Status.HOS_ANKESTYRELSEN, Handling.AFGOERELSE_ANKESTYRELSEN): Status.AFGJORT,
    (Status.AFVENTER_UDTALELSE, Handling.UDTALELSE): Status.UDTALELSE_AFGIVET,
    (
        Status.AFVENTER_KOMMUNALBESTYRELSE,
        Handling.AFGOERELSE_KOMMUNALBESTYRELSE,
    ): Status.AFGJORT_AF_KOMMUNEN,
    (Status.AFGJORT_AF_KOMMUNEN, Handling.ANKE): Status.HOS_ANKESTYRELSEN,
    (Status.HOS_FAMILIERETSHUSET, Handling.AFGOERELSE_FAMILIERETSHUSET): Status.AFGJORT,
}


def klage(status: Status) -> Klage:
    return Klage("k-1", "sag-1", uuid4(), status, "afgoerelse", "vaerge", "p-testperson01", "0851")


def kommando(handling: Handling, **kw: object) -> Kommando:
    return Kommando(handling, uuid4(), T, "kommune:0851:test", "Fordi.", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "handling"), list(itertools.product(Status, Handling)), ids=lambda v: v.value
)
def test_every_state_and_command_is_allowed_or_refused_in_danish(
    status: Status, handling: Handling
) -> None:
    resultat = anvend(
        klage(status),
        kommando(handling, afgjort_af="ankestyrelsen", udfald="ikke_medhold", lovlig=True),
    )
    if (status, handling) in FORVENTET:
        assert isinstance(resultat, Udfoert)
        assert (resultat.fra, resultat.til) == (status, FORVENTET[(status, handling)])
        forventet = OVERGANGE[(status, handling)].haendelser
        assert [type(e) for e in resultat.events] == [EVENT_TYPE[h.value] for h in forventet]
    else:
        assert isinstance(resultat, Afvist)
        assert resultat.status is status
        assert resultat.besked.startswith(
            ("Klagen", "Kommunens", "Ankestyrelsens", "Kommunalbestyrelsens", "Familieretshusets")
        )
        assert "klagen" in resultat.besked.lower()
        assert resultat.besked.endswith(".")


def test_table_is_exactly_the_law_and_terminal_states_allow_nothing() -> None:
    assert {k: v.til for k, v in OVERGANGE.items()} == FORVENTET
    assert all(s not in {f for f, _ in OVERGANGE} for s in SLUTSTATUS)
    assert all(o.haendelser for o in OVERGANGE.values())


def test_every_state_is_reachable_and_every_path_ends() -> None:
    naaet = {Status.NY}
    while True:
        nye = {o.til for (f, _), o in OVERGANGE.items() if f in naaet} - naaet
        if not nye:
            break
        naaet |= nye
    assert naaet == set(Status)
    for s in set(Status) - SLUTSTATUS:
        assert any(f == s for f, _ in OVERGANGE), f"{s} is a dead end"


def test_refusals_name_the_state_in_plain_danish() -> None:
    assert overgang(Status.AFGJORT, Handling.GENVURDERING_FASTHOLDT) == (
        "Kommunens genvurdering kan ikke registreres, fordi klagen er endeligt afgjort."
    )
    assert overgang(Status.AFVENTER_KOMMUNALBESTYRELSE, Handling.AFGOERELSE_ANKESTYRELSEN) == (
        "Ankestyrelsens afgørelse kan ikke registreres, fordi klagen venter på "
        "kommunalbestyrelsens afgørelse."
    )
    assert overgang(Status.NY, Handling.UDTALELSE) == (
        "Klagen findes ikke. Den skal indgives, før den kan behandles."
    )


def test_event_ids_are_deterministic_and_carry_the_case() -> None:
    k = klage(Status.AFVENTER_GENVURDERING)
    c = kommando(Handling.GENVURDERING_FASTHOLDT)
    a, b = anvend(k, c), anvend(k, c)
    assert isinstance(a, Udfoert)
    assert isinstance(b, Udfoert)
    assert [e.event_id for e in a.events] == [e.event_id for e in b.events]
    assert len({e.event_id for e in a.events}) == 2
    assert all(e.case_id == "sag-1" and e.causation_id == c.kommando_id for e in a.events)
    reconsidered, forwarded = a.events
    assert isinstance(reconsidered, ComplaintReconsidered)
    assert reconsidered.fastholdt
    assert isinstance(forwarded, ComplaintForwarded)
    assert forwarded.til == "ankestyrelsen"


def test_changed_decision_is_medhold_by_the_municipality() -> None:
    r = anvend(klage(Status.AFVENTER_GENVURDERING), kommando(Handling.GENVURDERING_AENDRET))
    assert isinstance(r, Udfoert)
    decided = r.events[-1]
    assert isinstance(decided, ComplaintDecided)
    assert (decided.afgjort_af, decided.udfald) == ("kommunalbestyrelse", "medhold")


def test_redirect_goes_on_as_a_complaint_about_the_decision() -> None:
    k = Klage("k-2", "sag-2", uuid4(), Status.NY, "akut_magt", "borger", "p-testperson01", "0851")
    r = anvend(k, kommando(Handling.INDGIV_OMDIRIGERET))
    assert isinstance(r, Udfoert)
    redirected, received = r.events
    assert isinstance(redirected, ComplaintRedirected)
    assert redirected.reason == "Fordi."
    assert isinstance(received, ComplaintReceived)
    assert received.klagetype == "afgoerelse"


def test_classification_of_submissions_and_decisions() -> None:
    def v(udfald: ka.Udfaldstype, spor: ka.Spor) -> ka.Klagevurdering:
        return ka.Klagevurdering(udfald, spor, "", "", "kommunalbestyrelse", None)

    assert indgiv_handling(v(ka.Udfaldstype.AFVIST, ka.Spor.VAL)) is Handling.INDGIV_AFVIST
    assert indgiv_handling(v(ka.Udfaldstype.MODTAGET, ka.Spor.VAL)) is Handling.INDGIV_VAL
    assert (
        indgiv_handling(v(ka.Udfaldstype.OMDIRIGERET, ka.Spor.AFGOERELSE))
        is Handling.INDGIV_OMDIRIGERET
    )
    akut = ka.Spor.AKUT_MAGT
    assert afgoerelse_handling(akut, "kommunalbestyrelse", "medhold") is Handling.UDTALELSE
    assert (
        afgoerelse_handling(akut, "kommunalbestyrelse", "afvist")
        is Handling.AFGOERELSE_KOMMUNALBESTYRELSE
    )
    assert (
        afgoerelse_handling(ka.Spor.VAL, "kommunalbestyrelse", "medhold")
        is Handling.AFGOERELSE_KOMMUNALBESTYRELSE
    )
    assert afgoerelse_handling(None, "familieretshuset", "medhold") is (
        Handling.AFGOERELSE_FAMILIERETSHUSET
    )


def test_the_case_decides_whether_a_use_was_pre_approved_not_the_complainant() -> None:
    """SEL § 137: a use under an approved decision is complained of through that decision."""
    from magt_klager.domain import Sagsgrundlag, brugens_afgoerelse, grundlag

    assert grundlag(
        Sagsgrundlag("afg-1", "godkendt"), angivet_ref=None, angivet_forhaand=False
    ) == (Grundlag("afg-1", True, fra_sagen=True))
    assert grundlag(
        Sagsgrundlag("afg-1"), angivet_ref="x", angivet_forhaand=False
    ).afgoerelse_ref == ("afg-1")
    assert not grundlag(
        Sagsgrundlag("afg-1", "afslag"), angivet_ref=None, angivet_forhaand=True
    ).forhaandsgodkendt
    assert not grundlag(
        Sagsgrundlag(None), angivet_ref=None, angivet_forhaand=True
    ).forhaandsgodkendt
    assert grundlag(None, angivet_ref="afg-2", angivet_forhaand=True) == Grundlag(
        "afg-2", True, fra_sagen=False
    )
    assert brugens_afgoerelse("afg-3", [("afg-4", True)]) == "afg-3"
    assert brugens_afgoerelse(None, [("afg-5", False), ("afg-4", True)]) == "afg-4"
    assert brugens_afgoerelse(None, [(None, None)]) is None
