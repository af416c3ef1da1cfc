"""The decisions interventions rest on, for both regimes, as data.

Sources (the consolidated acts):
- VAL § 11, stk. 1-2: børne- og ungeudvalget decides tilbageholdelse for up to 14 days at or
  during the placement; stk. 5: kommunalbestyrelsen may keep it up to 14 days more;
- VAL § 12, stk. 2-5, and § 13, stk. 2: kommunalbestyrelsen's one combined decision on
  tilbageholdelse and fastholdelse at a delvis lukket institution, for 1 year at a time
  (§ 12, stk. 5), within whose frame the leader acts (§ 12, stk. 4); the day limits of
  § 12, stk. 3 are the numeric rules `val.tilbageholdelse_*`;
- VAL § 19, stk. 1: kommunalbestyrelsen decides interventions in telephone and internet use;
  § 20: the leader's preliminary decision, put to kommunalbestyrelsen "snarest muligt" (stk. 2;
  the act gives no number of days, so none is checked);
- SEL: every intervention kommunalbestyrelsen decides (the paragraph of its intervention type);
  § 129, stk. 1 and § 129 a: an indstilling to Familieretshuset, which decides within 2 weeks
  (§ 131, stk. 1, § 131 a, stk. 1); § 129, stk. 2: the municipality decides itself; a lawyer is
  required for § 129, stk. 1 and § 129 a only (§ 132, stk. 1, nr. 2);
- SEL § 128 h (from 1 July 2024): Det Socialfaglige Nævn vedrørende Magtanvendelse over for
  Borgere med Handicap decides access to a resident's home for up to 12 months (BEK nr. 1411 af
  5. december 2024, § 12). A municipal decision kind is in force while its intervention is.
"""

from __future__ import annotations

from dataclasses import replace

from magt_contracts.catalogue import sel
from magt_contracts.catalogue.model import (
    MAGTANVENDELSESBEKENDTGOERELSEN,
    SEL,
    VAL,
    Afgoerelsesart,
    Afgoerelsesmyndighed,
    Beslutter,
    Enhed,
    Kilde,
    Varighed,
)

M = Afgoerelsesmyndighed
_14_DAGE = Varighed(14, Enhed.DAGE)
_1_AAR = Varighed(12, Enhed.MAANEDER)
DELVIS_LUKKET = frozenset({"tilbageholdelse_delvis_lukket", "fastholdelse_delvis_lukket"})
FLYTNING = frozenset({"flytning", "flytning_fare"})

VAL_ARTER: tuple[Afgoerelsesart, ...] = (
    Afgoerelsesart(
        "val.11_ved_anbringelse", "val", "Tilbageholdelse i forbindelse med anbringelsen",
        M.BOERNE_OG_UNGEUDVALGET, frozenset({"tilbageholdelse"}), Kilde(VAL, "11", "1"),
        max_periode=_14_DAGE,
    ),
    Afgoerelsesart(
        "val.11_under_anbringelse", "val", "Tilbageholdelse under anbringelsen",
        M.BOERNE_OG_UNGEUDVALGET, frozenset({"tilbageholdelse"}), Kilde(VAL, "11", "2"),
        max_periode=_14_DAGE,
    ),
    Afgoerelsesart(
        "val.11_opretholdelse", "val", "Opretholdelse af tilbageholdelse i op til 14 dage yderligere",
        M.KOMMUNALBESTYRELSEN, frozenset({"tilbageholdelse"}), Kilde(VAL, "11", "5"),
        max_periode=_14_DAGE,
    ),
    Afgoerelsesart(
        "val.12_13_ramme", "val",
        "Samlet afgørelse om tilbageholdelse og fastholdelse på en delvis lukket institution",
        M.KOMMUNALBESTYRELSEN, DELVIS_LUKKET, Kilde(VAL, "12", "2-5"), max_periode=_1_AAR,
    ),
    Afgoerelsesart(
        "val.19", "val", "Indgreb i adgangen til telefon og internet",
        M.KOMMUNALBESTYRELSEN, frozenset({"kommunikation"}), Kilde(VAL, "19", "1-3"),
    ),
    Afgoerelsesart(
        "val.20_foreloebig", "val", "Lederens foreløbige afgørelse om indgreb efter § 19",
        M.LEDER_FORELOEBIG, frozenset({"kommunikation"}), Kilde(VAL, "20", "1-2"),
        godkendes_af="val.19",
    ),
)  # fmt: skip

_KOMMUNALE = tuple(
    Afgoerelsesart(
        f"sel.{t.kode}",
        "sel",
        t.titel,
        M.KOMMUNALBESTYRELSEN,
        frozenset({t.kode}),
        t.kilde,
        valid_from=t.valid_from,
        valid_to=t.valid_to,
    )
    for t in sel.INDGREB
    if t.beslutter is Beslutter.KOMMUNE
)
_NAEVNET = tuple(
    Afgoerelsesart(
        f"sel.{t.kode}",
        "sel",
        t.titel,
        M.SOCIALFAGLIGT_NAEVN,
        frozenset({t.kode}),
        replace(t.kilde, bekendtgoerelse=MAGTANVENDELSESBEKENDTGOERELSEN),
        max_periode=_1_AAR,
        valid_from=t.valid_from,
        valid_to=t.valid_to,
    )
    for t in sel.INDGREB
    if t.beslutter is Beslutter.SOCIALFAGLIGT_NAEVN
)
"""§ 128 h: Det Socialfaglige Nævn decides, for up to 12 months (BEK nr. 1411/2024, § 12)."""
_HYGIEJNE = Afgoerelsesart(
    "sel.hygiejne", "sel", "Kortvarig fastholdelse i hygiejnesituationer efter afgørelse",
    M.KOMMUNALBESTYRELSEN, frozenset({"hygiejne"}), sel.HYGIEJNE_GENTAGELSE_KILDE,
)  # fmt: skip
SEL_ARTER: tuple[Afgoerelsesart, ...] = (
    *_KOMMUNALE,
    *_NAEVNET,
    _HYGIEJNE,
    Afgoerelsesart(
        "sel.129_stk1_indstilling", "sel", "Indstilling til Familieretshuset om optagelse uden samtykke",
        M.KOMMUNALBESTYRELSEN, frozenset({"flytning"}), Kilde(SEL, "129", "1"),
        indstilling=True, advokat=True,
    ),
    Afgoerelsesart(
        "sel.129_stk2", "sel", "Kommunens afgørelse om flytning efter § 129, stk. 2",
        M.KOMMUNALBESTYRELSEN, frozenset({"flytning"}), Kilde(SEL, "129", "2"),
    ),
    Afgoerelsesart(
        "sel.129a_indstilling", "sel", "Indstilling til Familieretshuset ved væsentlig fare for andre",
        M.KOMMUNALBESTYRELSEN, frozenset({"flytning_fare"}), Kilde(SEL, "129 a"),
        indstilling=True, advokat=True,
    ),
    Afgoerelsesart(
        "sel.131_familieretshuset", "sel", "Familieretshusets afgørelse om optagelse efter § 129",
        M.FAMILIERETSHUSET, frozenset({"flytning"}), Kilde(SEL, "131", "1"), advokat=True,
    ),
    Afgoerelsesart(
        "sel.131a_familieretshuset", "sel", "Familieretshusets afgørelse om optagelse efter § 129 a",
        M.FAMILIERETSHUSET, frozenset({"flytning_fare"}), Kilde(SEL, "131 a", "1"), advokat=True,
    ),
)  # fmt: skip
ADVOKAT_KILDE = Kilde(SEL, "132", "1")
"""A lawyer for § 127 against the person's will and for §§ 129, stk. 1, and 129 a (nr. 1-2)."""
AFGOERELSESARTER: tuple[Afgoerelsesart, ...] = (*VAL_ARTER, *SEL_ARTER)
