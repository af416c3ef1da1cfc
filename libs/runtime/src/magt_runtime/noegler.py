"""Envelope encryption of sealed payloads, so a case's copies on Kafka can be crypto-shredded.

Each case has its own data key (DEK, a Fernet key). The owner (registrering) keeps it in its
database wrapped with the platform key (KEK, `MultiFernet` via `FieldCipher`, so rotating the
platform key works). A sealed payload is `dek1:<key id>:<Fernet token under the DEK>`; a payload
without the tag is an older token under the platform key and still opens with it.

A consumer opens a payload with `Opener`: it fetches the case's still-wrapped key from the owner's
key endpoint (authenticated with a service token), unwraps it with the platform key and keeps it
in memory for a short TTL only, never on disk. When the owner has deleted the key (the case's
retention ended) the endpoint answers 410 and the payload raises `KeyShreddedError`: a permanent,
clear result, remembered for the TTL so it causes no retry storm.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from cachetools import TTLCache
from cryptography.fernet import Fernet, InvalidToken

from magt_runtime.crypto import CipherError, FieldCipher
from magt_runtime.http import client_tls
from magt_runtime.settings import ServiceSettings

TAG = "dek1"
SLETTET = "Rapporten er slettet efter opbevaringsreglerne og kan ikke længere åbnes."


class KeyShreddedError(CipherError):
    """The case's data key was deleted when its retention ended: the payload never opens again."""

    def __init__(self, case_id: str) -> None:
        super().__init__(SLETTET)
        self.case_id = case_id


class KeyUnavailableError(Exception):
    """The key endpoint could not be asked now (network, 5xx): try again later."""


@dataclass(frozen=True)
class WrappedKey:
    """A case's data key as stored and served: wrapped with the platform key."""

    case_id: str
    key_id: str
    wrapped: str


class KeyRing:
    """Makes and unwraps data keys with the platform key (KEK)."""

    def __init__(self, kek: FieldCipher) -> None:
        self._kek = kek

    def new_key(self, case_id: str) -> WrappedKey:
        """A fresh data key for `case_id`, wrapped."""
        return WrappedKey(
            case_id, uuid.uuid4().hex, self._kek.encrypt(Fernet.generate_key().decode())
        )

    def unwrap(self, key: WrappedKey) -> Fernet:
        """The data key itself; `CipherError` if the platform key cannot open it."""
        return Fernet(self._kek.decrypt(key.wrapped).encode())


def seal(dek: Fernet, key_id: str, plaintext: str) -> str:
    """`plaintext` sealed under a case's data key, tagged with the key's id."""
    return f"{TAG}:{key_id}:{dek.encrypt(plaintext.encode()).decode()}"


def key_id_of(sealed: str) -> str | None:
    """The data key id of an envelope-sealed payload; None for an older platform-key token."""
    parts = sealed.split(":", 2)
    return parts[1] if len(parts) == 3 and parts[0] == TAG else None


def open_with(dek: Fernet, sealed: str) -> str:
    """The plaintext of an envelope-sealed payload under `dek`."""
    token = sealed.split(":", 2)[2]
    try:
        return dek.decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise CipherError("payload cannot be decrypted with the case's key") from error


KeyFetch = Callable[[str], Awaitable[WrappedKey | None]]
"""Fetch a case's wrapped key; None when it was deleted (shredded)."""


class Opener:
    """Opens sealed payloads: envelope-sealed with the case's key, older ones with the platform key."""

    def __init__(
        self,
        platform: FieldCipher,
        fetch: KeyFetch,
        *,
        ttl_s: float = 300.0,
        maxsize: int = 1024,
    ) -> None:
        self._platform = platform
        self._ring = KeyRing(platform)
        self._fetch = fetch
        self._keys: TTLCache[str, Fernet | None] = TTLCache(maxsize=maxsize, ttl=ttl_s)

    async def open(self, case_id: str, sealed: str) -> str:
        """The plaintext; `KeyShreddedError` when deleted, `CipherError` when it does not open."""
        key_id = key_id_of(sealed)
        if key_id is None:
            return self._platform.decrypt(sealed)
        dek = await self._key(case_id, key_id)
        if dek is None:
            raise KeyShreddedError(case_id)
        return open_with(dek, sealed)

    async def _key(self, case_id: str, key_id: str) -> Fernet | None:
        if key_id in self._keys:
            return self._keys[key_id]
        wrapped = await self._fetch(case_id)
        if wrapped is not None and wrapped.key_id != key_id:
            raise CipherError("payload names another key than the case has")
        dek = None if wrapped is None else self._ring.unwrap(wrapped)
        self._keys[key_id] = dek
        return dek


TokenSource = Callable[[], Awaitable[str]]
"""A bearer token of this service (role `tjeneste`), fresh enough to use now."""


def http_fetch(
    base_url: str,
    token: TokenSource,
    *,
    timeout_s: float = 10.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> KeyFetch:
    """A `KeyFetch` asking the owner's `GET /noegler/{case_id}`: 200 → key, 410 → shredded."""

    async def fetch(case_id: str) -> WrappedKey | None:
        headers = {"Authorization": f"Bearer {await token()}"}
        try:
            async with httpx.AsyncClient(
                base_url=base_url, timeout=timeout_s, transport=transport, verify=client_tls()
            ) as client:
                response = await client.get(f"/noegler/{case_id}", headers=headers)
        except httpx.HTTPError as error:
            raise KeyUnavailableError(type(error).__name__) from error
        if response.status_code == httpx.codes.GONE:
            return None
        if response.status_code != httpx.codes.OK:
            raise KeyUnavailableError(f"HTTP {response.status_code}")
        body = response.json()
        return WrappedKey(case_id, str(body["key_id"]), str(body["wrapped"]))

    return fetch


def client_credentials(
    token_url: str, client_id: str, client_secret: str, *, timeout_s: float = 10.0
) -> TokenSource:
    """A `TokenSource` from the identity provider's client-credentials grant, cached until near exp."""
    cache: TTLCache[str, str] = TTLCache(maxsize=1, ttl=60)

    async def token() -> str:
        if "t" in cache:
            return cache["t"]
        data = {"grant_type": "client_credentials", "client_id": client_id}
        try:
            async with httpx.AsyncClient(timeout=timeout_s, verify=client_tls()) as client:
                response = await client.post(
                    token_url, data={**data, "client_secret": client_secret}
                )
                response.raise_for_status()
        except httpx.HTTPError as error:
            raise KeyUnavailableError(f"token: {type(error).__name__}") from error
        cache["t"] = str(response.json()["access_token"])
        return cache["t"]

    return token


def _token_source(settings: ServiceSettings) -> TokenSource:
    """The client-credentials grant when a token URL is set, else the token given directly."""
    if settings.service_token_url or not settings.service_token:
        return client_credentials(
            settings.service_token_url, settings.service_client_id, settings.service_client_secret
        )
    given = settings.service_token

    async def token() -> str:
        return given

    return token


async def _no_key_service(case_id: str) -> WrappedKey | None:
    raise KeyUnavailableError("MAGT_KEY_SERVICE_URL is not set: case keys cannot be fetched")


def payload_opener(settings: ServiceSettings, *, token: TokenSource | None = None) -> Opener:
    """The `Opener` of a service from its settings (`token` replaces the client-credentials grant)."""
    fetch: KeyFetch = _no_key_service
    if settings.key_service_url:
        source = token or _token_source(settings)
        fetch = http_fetch(settings.key_service_url, source)
    return Opener(settings.payload_cipher(), fetch, ttl_s=settings.key_cache_ttl_s)
