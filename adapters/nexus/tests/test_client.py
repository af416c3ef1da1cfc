"""The HTTP client against the Nexus emulator over real HTTP: tokens, lists, retries, links."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from magt_nexus import navigation
from magt_nexus.client import NexusClient, NexusError, NexusUnavailableError

pytestmark = pytest.mark.integration


async def test_token_is_cached_and_refreshed_shortly_before_expiry(
    emulator: Any, nexus_settings: Callable[..., Any], fake_clock: Any
) -> None:
    emulator.state.token_ttl_s = 60.0
    emulator.state.clock = fake_clock
    settings = nexus_settings(token_refresh_margin_s=10.0)
    async with NexusClient(settings, clock=fake_clock) as nexus:
        for _ in range(3):
            await nexus.root()
        assert (emulator.state.token_requests, nexus.tokens.fetched) == (1, 1)
        fake_clock.now += 45  # 15 s left: still used
        await nexus.root()
        assert emulator.state.token_requests == 1
        fake_clock.now += 6  # 9 s left: inside the margin, refreshed before use
        await nexus.root()
        assert emulator.state.token_requests == 2
        assert emulator.state.rejected_401 == 0


async def test_expired_token_answered_401_is_refreshed_once(
    emulator: Any, nexus_settings: Callable[..., Any]
) -> None:
    async with NexusClient(nexus_settings()) as nexus:
        await nexus.root()
        emulator.state.revoke_tokens()  # Nexus no longer accepts the cached token
        root = await nexus.root()
        assert "preferences" in root["_links"]
        assert (emulator.state.rejected_401, emulator.state.token_requests) == (1, 2)


async def test_persistent_401_fails_after_one_refresh(
    emulator: Any, nexus_settings: Callable[..., Any], fake_clock: Any
) -> None:
    emulator.state.clock = fake_clock
    emulator.state.token_ttl_s = 0.0  # every token is already expired on arrival
    async with NexusClient(nexus_settings(token_refresh_margin_s=0.0)) as nexus:
        with pytest.raises(NexusError) as caught:
            await nexus.root()
    assert caught.value.status == 401
    assert emulator.state.rejected_401 == 2


async def test_wrong_client_secret_is_refused(
    emulator: Any, nexus_settings: Callable[..., Any]
) -> None:
    async with NexusClient(nexus_settings(client_secret="forkert")) as nexus:
        with pytest.raises(NexusError) as caught:
            await nexus.root()
    assert caught.value.status == 401


@pytest.mark.parametrize("client_auth", ["basic", "body"])
async def test_both_client_authentication_methods_are_accepted(
    emulator: Any, nexus_settings: Callable[..., Any], client_auth: str
) -> None:
    async with NexusClient(nexus_settings(client_auth=client_auth)) as nexus:
        await nexus.root()
    assert (emulator.state.token_requests, emulator.state.rejected_401) == (1, 0)


async def test_url_derived_from_the_instance(
    emulator: Any, nexus_settings: Callable[..., Any]
) -> None:
    settings = nexus_settings(
        api_root="", token_url="", nexus_url=emulator.base_url, iam_url=emulator.base_url
    )
    assert settings.api_root == emulator.api_root
    assert settings.token_url == emulator.token_url
    async with NexusClient(settings) as nexus:
        assert "patientDetailsSearch" in (await nexus.root())["_links"]


async def test_activity_list_is_read_across_every_page(
    emulator: Any, nexus_settings: Callable[..., Any], nexus_form: Callable[..., Any]
) -> None:
    form = nexus_form("skema_3")
    ids = [
        emulator.state.put_form(title=form.title, items=form.items, patient_id=7).id
        for _ in range(5)
    ]
    settings = nexus_settings()
    async with NexusClient(settings) as nexus:
        items = await navigation.activity_items(nexus, settings)
    assert emulator.state.max_page_size == 2  # five items: three pages
    assert [i["formDataId"] for i in items] == ids


async def test_an_activity_list_of_another_name_is_an_error(
    emulator: Any, nexus_settings: Callable[..., Any]
) -> None:
    settings = nexus_settings(activity_list="Ukendt liste")
    async with NexusClient(settings) as nexus:
        with pytest.raises(NexusError, match="activity list"):
            await navigation.activity_items(nexus, settings)


async def test_citizen_found_by_cpr_with_network_contacts(
    emulator: Any, nexus_settings: Callable[..., Any], person: tuple[str, str]
) -> None:
    cpr, name = person
    pid = emulator.state.add_patient(cpr=cpr, name=name)
    emulator.state.add_contact(pid, first="Pia", last="Prøve", relation="Pårørende")
    async with NexusClient(nexus_settings()) as nexus:
        citizen = await navigation.find_citizen(nexus, cpr)
        assert citizen is not None
        assert citizen["id"] == pid
        contacts = await navigation.network_contacts(nexus, citizen)
        assert [c["firstName"] for c in contacts] == ["Pia"]
        assert await navigation.find_citizen(nexus, "010101-0000") is None


async def test_5xx_and_429_are_retried(emulator: Any, nexus_settings: Callable[..., Any]) -> None:
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    settings = nexus_settings(http_backoff_base_s=0.5, http_max_attempts=4)
    async with NexusClient(settings, sleep=sleep) as nexus:
        emulator.state.fail_next(2, 503)
        emulator.state.fail_next(1, 429)
        root = await nexus.root()
    assert "_links" in root
    assert sleeps == [0.5, 1.0, 2.0]  # exponential backoff
    assert emulator.state.api_requests == 4


async def test_gives_up_after_the_allowed_attempts(
    emulator: Any, nexus_settings: Callable[..., Any]
) -> None:
    async with NexusClient(nexus_settings(http_max_attempts=3)) as nexus:
        emulator.state.fail_next(5, 502)
        with pytest.raises(NexusUnavailableError):
            await nexus.root()
    assert emulator.state.api_requests == 3


async def test_connection_errors_are_retried_then_reported(
    nexus_settings: Callable[..., Any],
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = nexus_settings(
        api_root=f"http://127.0.0.1:{port}/api/", token_url=f"http://127.0.0.1:{port}/token"
    )
    tries: list[float] = []

    async def sleep(seconds: float) -> None:
        tries.append(seconds)

    async with NexusClient(settings, sleep=sleep) as nexus:
        with pytest.raises(NexusUnavailableError):
            await nexus.root()
    assert len(tries) == settings.http_max_attempts - 1


async def test_links_to_another_host_are_refused(
    emulator: Any, nexus_settings: Callable[..., Any]
) -> None:
    async with NexusClient(nexus_settings()) as nexus:
        evil = {"_links": {"next": {"href": "http://angriber.example/stjael"}}}
        with pytest.raises(NexusError, match="leaves"):
            nexus.link(evil, "next")
        with pytest.raises(NexusError, match="no 'nope' link"):
            nexus.link(evil, "nope")
    assert emulator.state.token_requests == 0
