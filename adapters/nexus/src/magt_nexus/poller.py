"""Polling Nexus' activity list for new and changed forms: one replica at a time, durable.

Each poll reads every page of the configured activity list, keeps the items changed since a little
before the cursor (the overlap catches a form committed late with an earlier change time) and
handles them oldest first. Each form is handled in one transaction that records what was seen,
stages the sealed command in the outbox (or records the error and queues a Danish note) and moves
the cursor. A crash before the commit repeats the form on the next poll; the deterministic event id
and the recorded content hash make the repeat harmless.

A form's case is keyed by (institution, form id) and recorded when the form first maps to that
institution (`store.NexusCase`): the case id (`domain.case_id`) is known only once the form names
its institution, and a form edited to name another institution opens that institution's own case,
leaving the first one as it was.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session

from magt_contracts import topics
from magt_contracts.errors import for_stor
from magt_contracts.forms import parse_form
from magt_contracts.messages import CorrectForm, SubmitForm
from magt_nexus import domain, navigation, store
from magt_nexus.client import NexusClient, NexusError, Resource
from magt_nexus.mapping import Fejl, Mapped, Mappings, map_form
from magt_nexus.settings import NexusSettings
from magt_runtime import outbox, tid, wakeup

log = structlog.get_logger(__name__)
_REF = re.compile(r"^[A-Za-z0-9_.:@-]{1,80}$")
LEASE_CHECK_EVERY = 20  # items handled between two renewals of the polling lease


@dataclass
class PollResult:
    """What one poll did."""

    leased: bool = True
    seen: int = 0
    submitted: int = 0
    corrected: int = 0
    errors: int = 0


class Poller:
    """Reads Nexus' form list from the persisted cursor and stages commands for what changed."""

    def __init__(
        self,
        engine: Engine,
        settings: NexusSettings,
        client: NexusClient,
        mappings: Mappings,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._client = client
        self._mappings = mappings
        self._clock = clock
        self._case_key = settings.case_id_key()  # fail fast: no form is taken without it
        self.polls = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set; an unreachable Nexus is logged and tried again later."""
        backoff = wakeup.Backoff(self._settings.poll_interval_s, self._settings.poll_idle_max_s)
        try:
            while not stop.is_set():
                try:
                    result = await self.poll_once()
                except Exception as error:
                    log.warning("nexus.poll_failed", error=type(error).__name__)
                else:
                    if result.submitted or result.corrected or result.errors:
                        backoff.worked()
                # While Nexus has nothing new the pause grows, up to `poll_idle_max_s`.
                await wakeup.wait_for_work(stop, backoff.idle())
        finally:
            with Session(self._engine) as session:
                store.release_lease(session, holder=self._settings.replica_id, now=self._clock())
                session.commit()

    async def poll_once(self) -> PollResult:
        """One pass over everything changed since the cursor (skipped without the lease)."""
        if not self._lease():
            return PollResult(leased=False)
        self.polls += 1
        result = PollResult()
        with Session(self._engine) as session:
            current = store.cursor(session)
        since = None
        if current is not None:
            since = datetime.fromisoformat(current) - timedelta(
                seconds=self._settings.cursor_overlap_s
            )
        items = await navigation.activity_items(self._client, self._settings)
        due = sorted(
            (item for item in items if since is None or _changed(item) >= since),
            key=lambda item: (_changed(item), _form_id(item)),
        )
        for n, item in enumerate(due, start=1):
            await self._handle(item, result)
            if n % LEASE_CHECK_EVERY == 0 and not self._lease():
                log.warning("nexus.lease_lost")
                break
        log.info(
            "nexus.polled",
            seen=result.seen,
            submitted=result.submitted,
            corrected=result.corrected,
            errors=result.errors,
        )
        return result

    def _lease(self) -> bool:
        ttl = timedelta(seconds=self._settings.lease_ttl_s)
        with Session(self._engine) as session:
            held = store.claim_lease(
                session, holder=self._settings.replica_id, now=self._clock(), ttl=ttl
            )
            session.commit()
        return held

    async def _handle(self, item: Resource, result: PollResult) -> None:
        form_id = _form_id(item)
        changed = _changed(item).isoformat()
        status = (item.get("workflowState") or {}).get("name")
        result.seen += 1
        if not domain.accepted(status):
            self._advance(changed)
            return
        try:
            detail = await self._client.follow(item, "referencedObject")
        except NexusError as error:
            if error.status not in (403, 404, 410):
                raise  # Nexus is unwell: the poll stops here and the cursor stays
            log.warning("nexus.form_gone", form_id=form_id, status=error.status)
            self._advance(changed)
            return
        with Session(self._engine) as session:
            known = store.form(session, form_id=form_id)
        version = int(detail.get("version") or 0)
        if known is not None and known.nexus_version >= version and version:
            self._advance(changed)
            return
        digest = domain.content_hash(detail)
        outcome = map_form(detail, self._mappings)
        if isinstance(outcome, Mapped):
            outcome = await self._with_relatives(outcome)
        with Session(self._engine) as session:
            action, case = self._apply(session, detail, form_id, digest, outcome)
            store.advance_cursor(session, value=changed)
            session.commit()
        if action == "submit":
            result.submitted += 1
        elif action == "correct":
            result.corrected += 1
        elif action == "error":
            result.errors += 1
        log.info(
            "nexus.form_handled", form_id=form_id, case_id=case, version=version, action=action
        )

    def _advance(self, changed: str) -> None:
        with Session(self._engine) as session:
            store.advance_cursor(session, value=changed)
            session.commit()

    async def _with_relatives(self, outcome: Mapped) -> Mapped:
        """The form with the citizen's relatives from Nexus' network contacts (Digital Post)."""
        borger = getattr(outcome.form, "borger", None)
        if borger is None:
            return outcome
        citizen = await navigation.find_citizen(self._client, str(borger.cpr))
        if citizen is None:
            log.warning("nexus.citizen_not_found")
            return outcome
        contacts = await navigation.network_contacts(self._client, citizen)
        found = domain.relatives(contacts, self._settings.relative_types)
        if not found:
            return outcome
        data = outcome.form.model_dump(mode="json")
        data["borger"] = domain.with_relatives(data["borger"], found)
        try:
            return Mapped(parse_form(data), outcome.mapping)
        except ValidationError:
            log.warning("nexus.relatives_invalid")  # the form stands as filled in
            return outcome

    def _apply(
        self,
        session: Session,
        detail: Resource,
        form_id: str,
        digest: str,
        outcome: Any,
    ) -> tuple[domain.Action, str | None]:
        """Record what the form says now and stage its command; the action and the form's case."""
        version = int(detail.get("version") or 0)
        now = self._clock()
        record = store.form(session, form_id=form_id)
        if record is None:
            record = store.NexusForm(
                form_id=form_id,
                self_href=self._client.link(detail, "self"),
                nexus_version=version,
                seen_hash="",
            )
        submitted_hash = record.submitted_hash
        if isinstance(outcome, Mapped):
            institution_id = str(outcome.form.institution.institution_id)
            if record.institution_id not in (None, institution_id):
                submitted_hash = None  # another institution's form: its own case, submitted anew
            record.institution_id = institution_id
            record.case_id = self._case(session, institution_id, form_id)
        mapped_hash = domain.form_hash(outcome.form) if isinstance(outcome, Mapped) else None
        action = domain.decide(
            seen_hash=record.seen_hash or None,
            submitted_hash=submitted_hash,
            new_hash=digest,
            new_form_hash=mapped_hash,
        )
        record.nexus_version, record.updated_at = version, now
        record.form_type = outcome.mapping.form_type if outcome.mapping else record.form_type
        case = record.case_id or None
        if action == "error":
            institution = outcome.institution_id or record.institution_id
            _reject(session, record, digest, version, institution, "mapping", outcome.errors)
        elif action in ("submit", "correct"):
            assert mapped_hash is not None
            try:
                self._stage(session, detail, mapped_hash, outcome, record, action)
            except outbox.TooLargeError as error:
                # Too large ever to be sent: told back in Nexus now, never accepted and lost.
                fejl = [Fejl(field="skema", message=for_stor(error.size, error.limit))]
                _reject(session, record, digest, version, record.institution_id, "size", fejl)
                action = "error"
            else:
                record.submitted_hash, record.submitted_version = mapped_hash, version
                store.resolve_errors(session, form_id=form_id, now=now)
        record.seen_hash = digest
        session.add(record)
        return action, case

    def _case(self, session: Session, institution_id: str, form_id: str) -> str:
        """The case of the institution's form: as recorded at first receipt, else opened now."""
        known = store.case_of_form(session, institution_id=institution_id, form_id=form_id)
        if known is not None:
            return known.case_id
        case = domain.case_id(self._case_key, institution_id=institution_id, form_id=form_id)
        store.open_case(session, case_id=case, institution_id=institution_id, form_id=form_id)
        return case

    def _stage(
        self,
        session: Session,
        detail: Resource,
        digest: str,
        outcome: Mapped,
        record: store.NexusForm,
        action: str,
    ) -> None:
        form_id, case = record.form_id, record.case_id  # `digest`: the mapped form's hash
        changed = _changed(detail)
        common: dict[str, Any] = {
            "event_id": domain.event_id(case, digest, action),
            "occurred_at": changed,
            "case_id": case,
            "correlation_id": domain.correlation_id(case),
        }
        command: SubmitForm | CorrectForm
        if action == "submit":
            command = SubmitForm(**common, source="nexus", source_ref=form_id, form=outcome.form)
            topic = topics.SUBMIT_FORM
        else:
            by = str((detail.get("lastUpdatedBy") or {}).get("id") or "")
            command = CorrectForm(
                **common,
                corrected_by=by if _REF.match(by) else "nexus",
                corrected_at=changed,
                reason=domain.correction_reason(
                    record.submitted_version, int(detail.get("version") or 0)
                ),
                form=outcome.form,
            )
            topic = topics.CORRECT_FORM
        outbox.stage(
            session,
            topic=self._settings.topic(topic),
            key=record.case_id,
            event=command,
            cipher=self._settings.payload_cipher(),
            max_bytes=self._settings.kafka_max_request_size,
        )


def _reject(
    session: Session,
    record: store.NexusForm,
    digest: str,
    version: int,
    institution_id: str | None,
    source: str,
    errors: Sequence[Fejl],
) -> None:
    """Record why the form was not received and tell it back in Nexus as a note."""
    store.record_error(
        session,
        form_id=record.form_id,
        case_id=record.case_id or None,
        source=source,
        errors=[e.as_dict() for e in errors],
        nexus_version=version,
        institution_id=institution_id,
    )
    store.add_note(
        session,
        key=f"fejl:{record.form_id}:{digest}",
        form_id=record.form_id,
        title=domain.NOTE_TITLE,
        text=domain.note_rejected((e.label, e.message) for e in errors),
    )


def _form_id(item: Resource) -> str:
    """The form's id on an activity-list item (a form reference: `formDataId`, else `id`)."""
    return str(item.get("formDataId") or item["id"])


def _changed(resource: Resource) -> datetime:
    """When a form (or its list item) last changed (`lastUpdated`, else `date`), UTC-aware."""
    moment = datetime.fromisoformat(str(resource.get("lastUpdated") or resource["date"]))
    return tid.utc(moment)
