"""Envelope sealing: per-case keys wrapped with the platform key, shredding, the TTL cache."""

from __future__ import annotations

import pytest

from magt_runtime.crypto import CipherError, FieldCipher
from magt_runtime.noegler import (
    KeyRing,
    KeyShreddedError,
    KeyUnavailableError,
    Opener,
    WrappedKey,
    key_id_of,
    open_with,
    seal,
)


class Owner:
    """The key owner's table in memory, counting how often it is asked."""

    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring
        self.keys: dict[str, WrappedKey] = {}
        self.asked = 0

    def make(self, case_id: str) -> WrappedKey:
        self.keys[case_id] = self.ring.new_key(case_id)
        return self.keys[case_id]

    async def fetch(self, case_id: str) -> WrappedKey | None:
        self.asked += 1
        return self.keys.get(case_id)


def _sealed(ring: KeyRing, key: WrappedKey, text: str) -> str:
    return seal(ring.unwrap(key), key.key_id, text)


async def test_a_case_payload_opens_until_its_key_is_deleted() -> None:
    platform = FieldCipher([FieldCipher.new_key()])
    owner = Owner(KeyRing(platform))
    key = owner.make("sag-1")
    sealed = _sealed(owner.ring, key, '{"cpr": "010110-4321"}')
    assert key_id_of(sealed) == key.key_id
    assert "010110-4321" not in sealed
    assert await Opener(platform, owner.fetch).open("sag-1", sealed) == '{"cpr": "010110-4321"}'
    del owner.keys["sag-1"]
    with pytest.raises(KeyShreddedError, match="slettet efter opbevaringsreglerne"):
        await Opener(platform, owner.fetch).open("sag-1", sealed)


async def test_keys_are_cached_briefly_and_a_shredded_key_is_not_asked_again() -> None:
    platform = FieldCipher([FieldCipher.new_key()])
    owner = Owner(KeyRing(platform))
    opener = Opener(platform, owner.fetch, ttl_s=60)
    sealed = _sealed(owner.ring, owner.make("sag-1"), "rapport")
    for _ in range(3):
        assert await opener.open("sag-1", sealed) == "rapport"
    assert owner.asked == 1
    gone = _sealed(owner.ring, owner.ring.new_key("sag-2"), "rapport")  # never stored: shredded
    for _ in range(3):
        with pytest.raises(KeyShreddedError):
            await opener.open("sag-2", gone)
    assert owner.asked == 2


async def test_older_platform_key_tokens_still_open_and_rotation_keeps_keys_usable() -> None:
    old, new = FieldCipher.new_key(), FieldCipher.new_key()
    before = FieldCipher([old])
    owner = Owner(KeyRing(before))
    key = owner.make("sag-1")
    legacy = before.encrypt("gammel rapport")
    sealed = _sealed(owner.ring, key, "ny rapport")
    rotated = FieldCipher([new, old])  # the new platform key first; the old one still unwraps
    opener = Opener(rotated, owner.fetch)
    assert key_id_of(legacy) is None
    assert await opener.open("sag-1", legacy) == "gammel rapport"
    assert await opener.open("sag-1", sealed) == "ny rapport"


async def test_a_wrapped_key_is_useless_without_the_platform_key() -> None:
    ring = KeyRing(FieldCipher([FieldCipher.new_key()]))
    key = ring.new_key("sag-1")
    with pytest.raises(CipherError):
        KeyRing(FieldCipher([FieldCipher.new_key()])).unwrap(key)
    other = KeyRing(FieldCipher([FieldCipher.new_key()])).new_key("sag-1")
    with pytest.raises(CipherError):
        open_with(ring.unwrap(key), seal(ring.unwrap(ring.new_key("x")), key.key_id, "tekst"))
    assert other.key_id != key.key_id


async def test_an_unreachable_key_service_is_a_transient_error() -> None:
    platform = FieldCipher([FieldCipher.new_key()])
    ring = KeyRing(platform)

    async def down(case_id: str) -> WrappedKey | None:
        raise KeyUnavailableError("HTTP 503")

    sealed = _sealed(ring, ring.new_key("sag-1"), "rapport")
    with pytest.raises(KeyUnavailableError):
        await Opener(platform, down).open("sag-1", sealed)
