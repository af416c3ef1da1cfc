"""Events from klager: received, reconsidered, forwarded, decided, redirected, statement issued."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from magt_contracts.begreber import PersonRef
from magt_contracts.messages.base import Event


class ComplaintReceived(Event):
    """A complaint was received and has standing."""

    klage_id: str
    klagetype: str = Field(examples=["afgoerelse"])
    klager_rolle: str = Field(examples=["vaerge"])
    person_ref: PersonRef
    handlekommune: str
    afgoerelse_ref: str | None = None
    rettidig: bool = Field(default=True, description="Indgivet inden for klagefristen.")
    genvurderes: bool = Field(
        default=True,
        description="Om kommunen genvurderer afgørelsen først (retssikkerhedsloven § 66). Nej: "
        "klagen går direkte til Ankestyrelsen (serviceloven § 134: Familieretshusets og Det "
        "Socialfaglige Nævns afgørelser).",
    )


class ComplaintReconsidered(Event):
    """The municipality reconsidered the decision."""

    klage_id: str
    fastholdt: bool


class ComplaintForwarded(Event):
    """An upheld complaint was forwarded to Ankestyrelsen."""

    klage_id: str
    til: str = Field(default="ankestyrelsen")


class ComplaintDecided(Event):
    """The complaint was decided."""

    klage_id: str
    afgjort_af: str = Field(examples=["ankestyrelsen"])
    udfald: str = Field(examples=["ikke_medhold"])
    afgjort: AwareDatetime


class ComplaintRedirected(Event):
    """The complaint goes elsewhere (e.g. force under a pre-approval: about the decision)."""

    klage_id: str
    til: str = Field(examples=["afgoerelse"])
    reason: str


class ComplaintDismissed(Event):
    """The complainant has no standing (e.g. a child under the complaint age)."""

    klage_id: str
    reason: str


class ComplaintStatementIssued(Event):
    """Kommunalbestyrelsen's written statement on acute force (lawful or not)."""

    klage_id: str
    lovlig: bool
