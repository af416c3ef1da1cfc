"""The retention table: every class of data the platform holds, how long, why and on what source.

The legal frame is the storage limitation principle of the GDPR (Europa-Parlamentets og Rådets
forordning (EU) 2016/679, artikel 5, stk. 1, litra e): personal data are kept in a form that
identifies the data subject no longer than necessary for the purpose. The periods themselves are
the municipality's policy (its retention and archiving rules: a journalised document belongs to the
source system, the platform is not the archive), so each `Kilde.POLITIK` period is only a default
that a setting overrides; none of them is law. `docs/operations.md` carries this table, generated
by `som_markdown` and checked by a test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

GDPR_5_1_E = "Databeskyttelsesforordningen (EU) 2016/679, art. 5, stk. 1, litra e"


class Kilde(StrEnum):
    """Whether a period is set by law or by the municipality's policy (then a setting)."""

    LOV = "lov"
    POLITIK = "politik"


@dataclass(frozen=True)
class Opbevaring:
    """One data class: where it lives, how long it is kept, why, the source, the setting."""

    dataklasse: str
    hvor: str
    hvor_laenge: str
    standard: timedelta | None
    hvorfor: str
    kilde: Kilde
    grundlag: str
    indstilling: str | None = None


FORM_EFTER_JOURNALISERING = timedelta(days=30)
OUTBOX = timedelta(days=7)
INBOX = timedelta(days=30)

TABEL: tuple[Opbevaring, ...] = (
    Opbevaring(
        "Indberetningen (alle versioner, intern del, sagens nøgle)",
        "registrering",
        "til kildesystemet har bekræftet journaliseringen, plus en frist",
        FORM_EFTER_JOURNALISERING,
        "Journaliseret i kildesystemet er dokumentet arkiveret dér; platformen er ikke arkivet.",
        Kilde.POLITIK,
        f"{GDPR_5_1_E}; kommunens regler for opbevaring og arkivering",
        "MAGT_REGISTRERING_OPBEVARING_EFTER_JOURNALISERING",
    ),
    Opbevaring(
        "Forseglede rapporter på Kafka (alle emner)",
        "Kafka",
        "kan ikke længere åbnes, når sagens nøgle slettes (kryptografisk sletning)",
        None,
        "En kopi på et emne kan ikke slettes på stedet; uden nøglen er den ulæselig.",
        Kilde.POLITIK,
        GDPR_5_1_E,
    ),
    Opbevaring(
        "Pseudonyme statistiske fakta",
        "statistik",
        "bevares",
        None,
        "Indeholder hverken CPR-nummer eller navn; bruges til kvartals- og årsrapporter.",
        Kilde.POLITIK,
        f"{GDPR_5_1_E} (ingen identifikation af den registrerede)",
    ),
    Opbevaring(
        "Outbox (sendte hændelser)",
        "alle tjenester",
        "efter afsendelse (eller kvitteret død hændelse)",
        OUTBOX,
        "Kun til genafsendelse og fejlsøgning.",
        Kilde.POLITIK,
        GDPR_5_1_E,
        "MAGT_<TJENESTE>_OUTBOX_RETENTION",
    ),
    Opbevaring(
        "Inbox (behandlede hændelses-id'er)",
        "alle tjenester",
        "efter behandling; længere end Kafkas opbevaring",
        INBOX,
        "Så ingen hændelse, som Kafka stadig kan levere igen, behandles to gange.",
        Kilde.POLITIK,
        GDPR_5_1_E,
        "MAGT_<TJENESTE>_INBOX_RETENTION",
    ),
    Opbevaring(
        "Revisionslog (adgang til sager)",
        "alle tjenester med API",
        "efter kommunens regler for logning (uden en fastsat periode bevares loggen)",
        None,
        "Dokumenterer hvem der har set eller ændret hvad.",
        Kilde.POLITIK,
        "kommunens logningspolitik",
        "MAGT_<TJENESTE>_AUDIT_RETENTION",
    ),
    Opbevaring(
        "Modtagne råfiler og sendte mails",
        "bosted, nexus, sikkermail",
        "rapporten fjernes ved levering; resten som outbox",
        None,
        "Kopien af rapporten holdes kun, til den er leveret eller opgivet.",
        Kilde.POLITIK,
        GDPR_5_1_E,
    ),
)


def _periode(p: Opbevaring) -> str:
    return "—" if p.standard is None else f"{p.standard.days} dage"


def som_markdown() -> str:
    """The table as Markdown, exactly as `docs/operations.md` carries it."""
    linjer = [
        "| Data | Hvor | Hvor længe | Standard | Hvorfor | Kilde | Grundlag | Indstilling |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for p in TABEL:
        celler = [p.dataklasse, p.hvor, p.hvor_laenge, _periode(p), p.hvorfor]
        celler += [p.kilde.value, p.grundlag, f"`{p.indstilling}`" if p.indstilling else "—"]
        linjer.append("| " + " | ".join(celler) + " |")
    return "\n".join(linjer) + "\n"
