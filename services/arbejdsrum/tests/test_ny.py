"""The registration form: typed fields become registrering's nested form; errors find their field."""

from __future__ import annotations

from datetime import UTC, datetime

from magt_arbejdsrum.sider.ny import _anker, _label, skema

T = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_typed_fields_become_the_nested_form() -> None:
    data = {
        "form_type": "skema_1a",
        "institution.navn": " Solsikkehuset ",
        "borger.kan_selv_klage": "ja",
        "episode.start": "2026-03-01T21:40",
        "episode.sted": "",
        "involverede.0.medarbejder_ref": "mdb-1",
    }
    form = skema(data, tidspunkt=T)
    assert form["form_type"] == "skema_1a"
    assert form["institution"] == {"navn": "Solsikkehuset"}
    assert form["borger"]["kan_selv_klage"] is True
    assert form["frivillig_medvirken_forsoegt"] is False  # an unticked box is a no
    assert form["episode"] == {"start": "2026-03-01T21:40:00+01:00"}  # Danish wall clock
    assert form["involverede"] == [{"medarbejder_ref": "mdb-1"}]
    assert form["registrering"]["registreret_tidspunkt"] == T.isoformat()


def test_an_error_path_gets_a_label_and_a_link_to_its_field() -> None:
    assert _label("borger.cpr") == "CPR-nummer"
    assert _anker("borger.cpr") == "f-borger-cpr"
    assert _label("episode").startswith("Episoden")
    assert _anker("episode") == "f-episode-start"
    assert _anker("noget.ukendt") == "ny"
