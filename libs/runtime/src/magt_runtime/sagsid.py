"""Case ids for documents from a source system: stable, and impossible to compute from outside.

A case id used to be `bosted-<document id>`, and Bosted's ids are sequential: anyone who saw one
id could name the next case. The id is now an HMAC-SHA256 of (source, institution, document id)
under a platform secret (`MAGT_CASE_ID_SECRET`): the same document of the same institution always
gets the same id (idempotent across restarts and replicas, no coordination), a document id reused
by another institution gets another case, and without the secret no one can derive an id.
"""

from __future__ import annotations

import hashlib
import hmac

_SEP = "\x1f"  # unit separator: no part can run into the next


def sags_id(secret: bytes, *, kilde: str, institution_id: str, dokument_id: str) -> str:
    """The case id of document `dokument_id` of `institution_id` from source system `kilde`."""
    if not secret:
        raise ValueError("MAGT_CASE_ID_SECRET is not set: case ids need a secret")
    besked = _SEP.join((kilde, institution_id, dokument_id)).encode()
    return f"{kilde}-{hmac.new(secret, besked, hashlib.sha256).hexdigest()[:32]}"
