"""`magt explain`: the pure part on every example, and the CLI through typer's CliRunner."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from magt.commands.explain import explain
from magt_contracts.explain import explain_form

pytestmark = pytest.mark.unit
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NU = datetime.fromisoformat("2025-11-01T12:00:00+01:00")


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("explain")(explain)
    app.command("noop")(lambda: None)  # keeps typer in multi-command mode, as on the `magt` app
    return app


@pytest.mark.parametrize("fil", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_every_example_is_explained_without_errors(fil: Path) -> None:
    resultat = explain_form(json.loads(fil.read_text(encoding="utf-8")), now=NU)
    assert resultat["errors"] == []
    assert resultat["assessment"]["allowed"] in {"allowed", "needs-decision"}
    assert resultat["recipients"], "every form has someone to tell"
    json.dumps(resultat)


def test_val_example_expected_result() -> None:
    resultat = explain_form(json.loads((EXAMPLES / "val_indberetning.json").read_text()), now=NU)
    assert {(m["role"], m["id"]) for m in resultat["recipients"]} >= {
        ("handlekommune", "0860"),
        ("socialtilsyn", "Nord"),
    }
    assert {d["kind"] for d in resultat["deadlines"]} == {
        "registrering", "indberetning_handlekommune", "orientering_foraeldremyndighed", "kopi_socialtilsyn",
        "leder_godkendelse",
    }  # fmt: skip
    # The leader's approval has no period in any act: shown as local policy, not the law's.
    lokale = {d["kind"] for d in resultat["deadlines"] if not d["lovbestemt"]}
    assert lokale == {"leder_godkendelse"}


def test_invalid_form_gives_danish_errors() -> None:
    resultat = explain_form({"form_type": "val_indberetning"}, now=NU)
    assert {"field": "barn", "message": "Feltet skal udfyldes."} in resultat["errors"]
    assert resultat["recipients"] == []
    assert resultat["assessment"]["allowed"] is None


def test_cli_prints_json() -> None:
    res = CliRunner().invoke(
        _app(), ["explain", str(EXAMPLES / "skema_1a.json"), "--now", "2025-11-01T12:00:00+01:00"]
    )
    assert res.exit_code == 0, res.output
    data: dict[str, Any] = json.loads(res.output)
    assert set(data) == {"errors", "assessment", "decisions", "recipients", "deadlines"}


def test_cli_pretty_prints_a_danish_table() -> None:
    res = CliRunner().invoke(
        _app(), ["explain", str(EXAMPLES / "val_indberetning.json"), "--pretty"]
    )
    assert res.exit_code == 0, res.output
    assert "Modtagere" in res.output
    assert "Frister" in res.output
    assert "Vurdering" in res.output


@pytest.mark.parametrize(
    "indhold", ['{"form_type": "skema_1a"}', "ikke json", '{"form_type": "x"}']
)
def test_cli_invalid_input_exit_1_without_traceback(tmp_path: Path, indhold: str) -> None:
    fil = tmp_path / "skema.json"
    fil.write_text(indhold, encoding="utf-8")
    res = CliRunner().invoke(_app(), ["explain", str(fil)])
    assert res.exit_code == 1
    assert "Traceback" not in res.output
    assert json.loads(res.output)["errors"]


def test_cli_missing_file_and_bad_clock(tmp_path: Path) -> None:
    res = CliRunner().invoke(_app(), ["explain", str(tmp_path / "findes-ikke.json")])
    assert res.exit_code == 1
    assert "kan ikke læses" in res.output
    res = CliRunner().invoke(_app(), ["explain", str(EXAMPLES / "skema_3.json"), "--now", "i går"])
    assert res.exit_code == 1
    assert "ISO" in res.output


def test_cli_pretty_shows_aflastning_reported_as_oevrig(tmp_path: Path) -> None:
    """VAL § 21, stk. 1: `magt explain` shows force in aflastning reported as i øvrigt."""
    data = json.loads((EXAMPLES / "val_indberetning.json").read_text(encoding="utf-8"))
    data["institution"]["art"] = "aflastning"
    fil = tmp_path / "aflastning.json"
    fil.write_text(json.dumps(data), encoding="utf-8")
    res = CliRunner().invoke(_app(), ["explain", str(fil), "--pretty"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    assert "Indberettes som: oevrig" in res.output
    assert "VAL § 2, stk. 1" in res.output
    ud = json.loads(CliRunner().invoke(_app(), ["explain", str(fil)]).output)
    assert ud["assessment"]["klassifikation"]["indgreb"] == ["oevrig"]


def test_explain_sends_a_plejecenter_report_to_the_municipal_tilsyn_sel_148_a() -> None:
    """SEL § 148 a, stk. 1: `magt explain` on a dementia report from a municipal plejecenter lists
    the municipality's tilsyn, and no Socialtilsyn; a botilbud's report still lists its
    Socialtilsyn (lov om socialtilsyn § 4, stk. 1, nr. 2)."""
    res = CliRunner().invoke(_app(), ["explain", str(EXAMPLES / "skema_1b.json")])
    assert res.exit_code == 0
    roller = {(m["role"], m["id"]) for m in json.loads(res.output)["recipients"]}
    assert ("kommunalt_tilsyn", "0751") in roller
    assert not any(rolle == "socialtilsyn" for rolle, _ in roller)
    bo = CliRunner().invoke(_app(), ["explain", str(EXAMPLES / "skema_1a.json")])
    assert ("socialtilsyn", "Syd") in {
        (m["role"], m["id"]) for m in json.loads(bo.output)["recipients"]
    }
