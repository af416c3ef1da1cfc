"""The realm file's demo users carry organisations the contracts know, so a person logged in
through Keycloak is scoped to exactly the cases of their organisation (a Socialtilsyn user whose
`org` claim does not name one of the five Socialtilsyn would see nothing at all)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from magt_contracts.adgang import Brugerrolle
from magt_contracts.begreber import Socialtilsyn

pytestmark = pytest.mark.unit

REALM = Path(__file__).resolve().parents[2] / "infra" / "keycloak" / "magt-realm.json"


def _groups() -> dict[str, tuple[str, str]]:
    realm = json.loads(REALM.read_text())
    return {
        f"/{g['name']}": (g["attributes"]["role"][0], g["attributes"]["org"][0])
        for g in realm["groups"]
        if "role" in g.get("attributes", {})
    }


def test_every_demo_group_names_a_known_role_and_a_well_formed_organisation() -> None:
    groups = _groups()
    assert groups
    for name, (role, org) in groups.items():
        rolle = Brugerrolle(role)  # an unknown role code would see nothing
        match rolle:
            case Brugerrolle.SOCIALTILSYN:
                assert org in {s.value for s in Socialtilsyn}, (name, org)
            case Brugerrolle.KOMMUNE | Brugerrolle.MAGTANVENDELSESUDVALG:
                assert re.fullmatch(r"\d{4}", org), (name, org)
            case _:
                assert org, name


def test_every_demo_user_belongs_to_exactly_one_role_group() -> None:
    groups = _groups()
    users = json.loads(REALM.read_text())["users"]
    people = [u for u in users if not u["username"].startswith("service-account-")]
    assert people
    for user in people:
        assert len([g for g in user.get("groups", []) if g in groups]) == 1, user["username"]
