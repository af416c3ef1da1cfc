"""Every kind of deadline, once: its warning, who is told of a breach, what meets it, who records it.

The periods and their sources are the rules named in `regler` (val.py, sel.py, klager.py); a kind
whose rules are all set by an act is a duty of law, one with a local-policy rule (`lokal`) is the
municipality's own deadline and is never reported as a breach of law.
"""

from __future__ import annotations

from datetime import timedelta

from magt_contracts.adgang import Brugerrolle
from magt_contracts.begreber import Fristart, Rolle
from magt_contracts.catalogue.model import Fristartregel
from magt_contracts.catalogue.sel import AFGOERELSE_KILDE

A = Fristart
LEDER, FAGKONSULENT, KOMMUNE = Brugerrolle.LEDER, Brugerrolle.FAGKONSULENT, Brugerrolle.KOMMUNE
H = timedelta(hours=1)
D = timedelta(days=1)
HANDLEKOMMUNE = frozenset({Rolle.HANDLEKOMMUNE})
FORAELDRE = frozenset({Rolle.FORAELDREMYNDIGHED})
PAAROERENDE = frozenset({Rolle.PAAROERENDE})
# The supervisor's copy: the Socialtilsyn, or the municipality's own (SEL § 148 a, stk. 1).
TILSYN = frozenset({Rolle.SOCIALTILSYN, Rolle.KOMMUNALT_TILSYN})

FRISTARTER: tuple[Fristartregel, ...] = (
    Fristartregel(A.REGISTRERING, "Registrering", 6 * H, LEDER,
                  "registreringen selv (IncidentRegistered)",
                  ("val.registrering", "sel.registrering", "sel.skema2_registrering")),
    Fristartregel(A.LEDER_GODKENDELSE, "Lederens godkendelse", 6 * H, FAGKONSULENT,
                  "lederens godkendelse (ReportApproved)",
                  ("val.leder_godkendelse", "sel.leder_godkendelse")),
    Fristartregel(A.INDBERETNING_HANDLEKOMMUNE, "Indberetning til handlekommunen", 6 * H,
                  FAGKONSULENT, "afsendelse til handlekommunen (DeliverySent)",
                  ("val.indberetning_handlekommune",), leveret_til=HANDLEKOMMUNE),
    Fristartregel(A.ORIENTERING_FORAELDREMYNDIGHED, "Orientering af forældremyndigheden", 6 * H,
                  FAGKONSULENT, "afsendelse til forældremyndigheden (DeliverySent)",
                  ("val.orientering_foraeldremyndighed",), leveret_til=FORAELDRE),
    Fristartregel(A.KOPI_SOCIALTILSYN, "Kopi til socialtilsynet", 3 * D, FAGKONSULENT,
                  "afsendelse til socialtilsynet (DeliverySent)",
                  ("val.kopi_socialtilsyn", "val.indberetning_handlekommune"),
                  leveret_til=TILSYN),
    Fristartregel(A.STRAKS_INDBERETNING_STRAFBART, "Straks-indberetning ved mistanke om strafbart "
                  "forhold", timedelta(0), None, "straks-afsendelsen (routing)",
                  ("val.strafbart_forhold",), spores=False),
    Fristartregel(A.MAANEDLIG_INDBERETNING, "Månedlig indberetning", 5 * D, FAGKONSULENT,
                  "afsendelse til handlekommunen (DeliverySent)",
                  ("sel.maanedlig_indberetning",), leveret_til=HANDLEKOMMUNE),
    Fristartregel(A.KVARTALSVIS_INDBERETNING, "Kvartalsvis indberetning", 7 * D, FAGKONSULENT,
                  "afsendelse til socialtilsynet (DeliverySent)",
                  ("sel.kvartalsvis_indberetning",),
                  leveret_til=TILSYN),
    Fristartregel(A.PAAROERENDE_ORIENTERING, "Orientering af pårørende", 5 * D, FAGKONSULENT,
                  "afsendelse til en pårørende (DeliverySent) eller lederens notat",
                  ("sel.paaroerende_orientering",), leveret_til=PAAROERENDE,
                  registreres_af=frozenset({LEDER})),
    Fristartregel(A.HANDLEPLAN, "Handleplan (§ 141)", 7 * D, KOMMUNE,
                  "handlekommunens registrering af handleplanen", ("sel.handleplan",),
                  registreres_af=frozenset({KOMMUNE})),
    Fristartregel(A.BILAG1_PERIODE, "Bilag 1-periode", 5 * D, FAGKONSULENT,
                  "borgerens næste Bilag 1-periode (IncidentRegistered)", ("sel.bilag1_periode",)),
    Fristartregel(A.ANMODNING_OM_AFGOERELSE, "Anmodning om afgørelse (§ 136 a)", 3 * D,
                  FAGKONSULENT, "borgerens Skema 3, en afgørelse om hygiejne eller lederens notat",
                  ("sel.anmodning_om_afgoerelse",), registreres_af=frozenset({LEDER})),
    Fristartregel(A.KLAGEFRIST, "Klagefrist", timedelta(0), None,
                  "en klage over afgørelsen (ComplaintReceived)", ("klage.klagefrist_afgoerelse",)),
    Fristartregel(A.FORHAANDSGODKENDELSE_UDLOEB, "Forhåndsgodkendelsen udløber", 30 * D, KOMMUNE,
                  "en ny forhåndsgodkendelse af samme indgreb (DecisionMade)",
                  kilde=AFGOERELSE_KILDE),
    Fristartregel(A.FAMILIERETSHUSET_AFGOERELSE, "Familieretshusets afgørelse", 3 * D, KOMMUNE,
                  "Familieretshusets afgørelse (DecisionMade)",
                  ("sel.familieretshuset_afgoerelse",)),
    Fristartregel(A.GENVURDERING, "Genvurdering af klagen", 7 * D, KOMMUNE,
                  "genvurdering, videresendelse eller afgørelse af klagen",
                  ("klage.genvurdering",)),
    Fristartregel(A.KLAGE_ANKESTYRELSEN, "Videresendelse til Ankestyrelsen", timedelta(0), None,
                  "videresendelse af klagen (ComplaintForwarded)", ("val.klage_ankestyrelsen",)),
)  # fmt: skip
