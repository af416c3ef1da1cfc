"""The emulator driven by the request sequence a public Nexus client uses, so it cannot drift.

Each step follows the developer documentation of Odense Kommune's `kmd-nexus-client`
(docs/nexus.md in odense-rpa/nexus-client): the same links, bodies, answers' shapes and names.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from magt_nexus.demo_client import NexusUser

pytestmark = pytest.mark.integration


def test_token_by_http_basic_or_body_and_the_root_links(emulator: Any) -> None:
    st = emulator.state
    basic = base64.b64encode(f"{st.client_id}:{st.client_secret}".encode()).decode()
    by_header = httpx.post(
        emulator.token_url,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    in_body = httpx.post(
        emulator.token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": st.client_id,
            "client_secret": st.client_secret,
        },
    )
    wrong = httpx.post(
        emulator.token_url,
        data={"grant_type": "client_credentials"},
        auth=(st.client_id, "forkert"),
    )
    assert (by_header.status_code, in_body.status_code, wrong.status_code) == (200, 200, 401)
    token = by_header.json()["access_token"]
    root = httpx.get(emulator.api_root, headers={"Authorization": f"Bearer {token}"}).json()
    assert {"preferences", "patientDetailsSearch"} <= set(root["_links"])


def test_a_form_created_by_prototype_and_action_is_found_by_every_documented_way(
    emulator: Any,
    nexus_user: NexusUser,
    nexus_form: Callable[..., Any],
    person: tuple[str, str],
) -> None:
    cpr, name = person
    emulator.state.add_patient(cpr=cpr, name=name)
    citizen = nexus_user.citizen(cpr.replace("-", ""))
    assert citizen is not None
    assert nexus_user.citizen("0101010000") is None
    form = nexus_form("skema_2")
    created = nexus_user.create_form(citizen, form.title, "Udfyldt", form.items)
    assert created["workflowState"]["name"] == "Udfyldt"
    # the citizen's "- Alt" view lists it among the pathway references
    [reference] = nexus_user.form_references(citizen)
    assert (reference["formDataId"], reference["name"]) == (created["id"], form.title)
    full = nexus_user.resolve(reference)
    by_label = {i["label"]: i for i in full["items"]}
    for item in form.items:
        assert by_label[item["label"]]["value"] == item["value"]
    radio = next(i for i in full["items"] if i["type"] == "radioGroup")
    assert radio["value"] in radio["possibleValues"]
    [entry] = nexus_user.audit(full)
    assert entry["workflowState"]["name"] == "Udfyldt"
    # the user's activity list shows it too
    [item] = nexus_user.activity_list(emulator.state.activity_list)
    assert item["id"] == created["id"]


def test_a_prototype_refuses_unknown_items_and_values_outside_the_options(
    emulator: Any, nexus_user: NexusUser, nexus_form: Callable[..., Any], person: tuple[str, str]
) -> None:
    emulator.state.add_patient(cpr=person[0], name=person[1])
    citizen = nexus_user.citizen(person[0])
    assert citizen is not None
    title = nexus_form("skema_2").title
    unknown = {"label": "Findes ikke", "type": "text", "value": "x"}
    for change in (unknown, None):
        with pytest.raises(httpx.HTTPStatusError) as caught:
            _create_changed(nexus_user, citizen, title, change)
        assert caught.value.response.status_code == 422
    assert emulator.state.listed() == []


def _create_changed(
    user: NexusUser, citizen: dict[str, Any], title: str, extra: dict[str, Any] | None
) -> Any:
    """Create with an extra item, or (None) with a radioGroup value outside its options."""
    definitions = user.get(citizen["_links"]["availableFormDefinitions"]["href"])
    chosen = next(d for d in definitions if d["title"] == title)
    prototype = user.get(chosen["_links"]["formDataPrototype"]["href"])
    [action, *_] = user.get(prototype["_links"]["availableActions"]["href"])
    if extra is not None:
        prototype["items"].append(extra)
    else:
        radio = next(i for i in prototype["items"] if i["type"] == "radioGroup")
        radio["value"] = {"name": "Ikke en mulighed"}
    return user.post(action["_links"]["createFormData"]["href"], prototype)
