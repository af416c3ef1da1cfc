"""Complaints, as data.

Rules and sources:
- a decision may be complained of within 4 weeks of notification (retssikkerhedsloven § 67,
  stk. 1; for VAL also VAL § 23, stk. 4);
- the municipality reconsiders within 4 weeks; if upheld, forwarded to Ankestyrelsen
  (retssikkerhedsloven § 66, stk. 1);
- staff's force under chapter 24 is complained of to the kommunalbestyrelse, with no deadline;
  force used under a decision is complained of through that decision (SEL § 137);
- who may complain: the citizen, or a spouse, relative, guardian or another representative when
  the citizen cannot complain (SEL § 134, stk. 3, and § 137).
"""

from __future__ import annotations

from magt_contracts.catalogue.model import (
    FOER_KILDERNE,
    RETSSIKKERHEDSLOVEN,
    SEL,
    Enhed,
    Fristregel,
    Kilde,
    Varighed,
)

FRISTER: tuple[Fristregel, ...] = (
    Fristregel(
        "klage.klagefrist_afgoerelse",
        Varighed(4, Enhed.UGER),
        Kilde(RETSSIKKERHEDSLOVEN, "67", "1"),
        FOER_KILDERNE,
    ),
    Fristregel(
        "klage.genvurdering",
        Varighed(4, Enhed.UGER),
        Kilde(RETSSIKKERHEDSLOVEN, "66", "1"),
        FOER_KILDERNE,
    ),
)

KLAGE_AKUT_INGEN_FRIST = Kilde(SEL, "137")
KLAGEBERETTIGEDE_VOKSNE = frozenset(
    {"borger", "paaroerende", "vaerge", "fremtidsfuldmaegtig", "repraesentant"}
)
KLAGEBERETTIGEDE_KILDE = Kilde(SEL, "134", "3")
