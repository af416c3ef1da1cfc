"""Complaints, as data.

Rules and sources (seed 003 "Klageprocedurer og lederens orienteringspligt"; SPEC.md 2):
- a decision (pre-approval, move) may be complained of within 4 weeks of notification;
- the municipality must reconsider within 4 weeks; if upheld, forwarded to Ankestyrelsen;
- staff's acute force: to the handlekommune's kommunalbestyrelse, with no deadline;
- force used under a pre-approval cannot be complained of as such: the complaint is about the
  decision (the platform redirects it);
- who may complain: the citizen, or relatives, guardian, fremtidsfuldmægtig or representative.
"""

from __future__ import annotations

from magt_contracts.catalogue.model import (
    FOER_KILDERNE,
    SEED_NYBORG,
    Enhed,
    Fristregel,
    Kilde,
    Varighed,
)

_KLAGE = "Klageprocedure ifm. klager over Magtanvendelsesudvalgets afgørelser"
FRISTER: tuple[Fristregel, ...] = (
    Fristregel(
        "klage.klagefrist_afgoerelse",
        Varighed(4, Enhed.UGER),
        Kilde(SEED_NYBORG, f"{_KLAGE}, pkt. 1: senest 4 uger efter"),
        FOER_KILDERNE,
    ),
    Fristregel(
        "klage.genvurdering",
        Varighed(4, Enhed.UGER),
        Kilde(SEED_NYBORG, f"{_KLAGE}, pkt. 3: inden 4 uger at vurdere sagen igen"),
        FOER_KILDERNE,
    ),
)

KLAGE_AKUT_INGEN_FRIST = Kilde(
    SEED_NYBORG, "Orienteringspligt og klageprocedure ifm. personalets magtindgreb, pkt. 4"
)
KLAGEBERETTIGEDE_VOKSNE = frozenset(
    {"borger", "paaroerende", "vaerge", "fremtidsfuldmaegtig", "repraesentant"}
)
KLAGEBERETTIGEDE_KILDE = Kilde(SEED_NYBORG, f"{_KLAGE}, pkt. 2: klageberettiget er borgeren ...")
