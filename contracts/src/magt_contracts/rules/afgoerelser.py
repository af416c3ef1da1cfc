"""Check a use against the decision it rests on: existence, period, the act's limits (pure).

Rules (sources from the catalogue, `catalogue.afgoerelser` and `val.TAL`): a use of an
intervention that rests on a decision names it, and the decision exists, is approved, is of a
kind that covers the intervention and covers every day used; the decision is no longer than the
act allows (VAL § 11, stk. 1-2 and 5: 14 days; § 12, stk. 5: 1 year); tilbageholdelse at a delvis
lukket institution keeps § 12, stk. 3's 5 consecutive days and 30 days in 1 year, counted with
the earlier uses under the same decision; a preliminary § 20 decision is approved by
kommunalbestyrelsen (§ 20, stk. 2); isolation keeps § 14, stk. 2's hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from magt_contracts.catalogue import Katalog
from magt_contracts.catalogue.institutioner import Sted
from magt_contracts.catalogue.model import Afgoerelsesart, Enhed, Talregel
from magt_contracts.forms import KommunalAfgoerelse, ValAfgoerelse
from magt_contracts.messages import DecisionMade
from magt_contracts.rules.flag import flag
from magt_contracts.tid import dansk_dato
from magt_contracts.vaerdier import Afgoerelseskontrol, Flag

Afgoerelse = KommunalAfgoerelse | ValAfgoerelse | DecisionMade
_TILBAGEHOLDELSE_12 = "tilbageholdelse_delvis_lukket"
_SEL_KODER = {
    "mangler": "no-pre-approval",
    "udenfor": "outside-pre-approval-period",
    "ikke_slaaet_op": "pre-approval-not-verified",
}
_VAL_KODER = {
    "mangler": "no-decision",
    "udenfor": "outside-decision-period",
    "ikke_slaaet_op": "decision-not-verified",
}


@dataclass(frozen=True)
class Brug:
    """One use of an intervention (a report's episode, or one Bilag 1 line)."""

    case_id: str
    indgreb: str
    start: datetime
    slut: datetime

    def dage(self) -> list[date]:
        """The Danish calendar days the use touches."""
        fra, til = dansk_dato(self.start), dansk_dato(self.slut)
        return [fra + timedelta(days=i) for i in range((til - fra).days + 1)]


@dataclass(frozen=True)
class Beslutning:
    """A decision as the check needs it, from a form or an event."""

    afgoerelse_id: str
    indgreb: str
    udfald: str
    art: str | None
    gyldig_fra: date | None
    gyldig_til: date | None
    foreloebig_ref: str | None = None


def som_beslutning(a: Afgoerelse) -> Beslutning:
    """The decision of a form or an event."""
    if isinstance(a, ValAfgoerelse):
        return Beslutning(
            a.afgoerelse_id, "", str(a.udfald), a.art, a.gyldig_fra, a.gyldig_til, a.foreloebig_ref
        )
    foreloebig = a.foreloebig_ref if isinstance(a, DecisionMade) else None
    return Beslutning(
        a.afgoerelse_id, a.indgreb, str(a.udfald), a.art, a.gyldig_fra, a.gyldig_til, foreloebig
    )


def kontroller(
    brugene: Sequence[Brug],
    *,
    regime: str,
    ref: str | None,
    afgoerelser: Sequence[Afgoerelse] | None,
    tidligere: Sequence[Brug] = (),
    katalog: Katalog,
) -> tuple[Afgoerelseskontrol | None, list[Flag]]:
    """Check `brugene` (one intervention) against decision `ref`; None when none is needed."""
    dag = dansk_dato(min(b.start for b in brugene))
    indgreb = brugene[0].indgreb
    arter = katalog.afgoerelsesarter_for(regime, indgreb, dag)
    if not arter:
        return None, []
    koder = _VAL_KODER if regime == "val" else _SEL_KODER
    hjemmel = " / ".join(str(a.kilde) for a in arter)
    if ref is None:
        f = flag(koder["mangler"], hjemmel)
        return _kontrol(indgreb, None, False, None, hjemmel, [f]), [f]
    if afgoerelser is None:
        f = flag(koder["ikke_slaaet_op"], hjemmel, f"({ref})")
        return _kontrol(indgreb, ref, None, None, hjemmel, [f]), [f]
    beslutninger = [som_beslutning(a) for a in afgoerelser]
    d = _fundet(beslutninger, ref, indgreb, arter)
    if d is None:
        f = flag(koder["mangler"], hjemmel, f"({ref})")
        return _kontrol(indgreb, ref, False, None, hjemmel, [f]), [f]
    art = _art(d, arter)
    fund = _periode(d, brugene, koder["udenfor"], art, regime)
    fund += _laengde(d, art)
    if indgreb == _TILBAGEHOLDELSE_12:
        alle = [b for b in tidligere if b.case_id not in {n.case_id for n in brugene}]
        fund += _dagsgraenser([*alle, *brugene], brugene, katalog, dag)
    if art.godkendes_af is not None:
        fund += _godkendt(d, beslutninger, art, katalog, dag)
    kontrol = _kontrol(indgreb, ref, True, d, str(art.kilde), fund, art=art.kode)
    if indgreb == _TILBAGEHOLDELSE_12:
        kontrol = kontrol.model_copy(update=_tal(tidligere, brugene))
    return kontrol, fund


def isolation(start: datetime, slut: datetime, art: Sted, katalog: Katalog) -> list[Flag]:
    """§ 14, stk. 2: isolation no longer than the act's hours for the institution's kind."""
    saerligt = art.value.startswith("saerligt_sikret")
    noegle = "val.isolation_max_timer_" + ("saerligt_sikret" if saerligt else "sikret")
    regel = katalog.tal_regel(noegle, dansk_dato(start))
    minutter = int((slut - start).total_seconds() // 60)
    if minutter <= regel.vaerdi * 60:
        return []
    sted = "en særligt sikret afdeling" if saerligt else "en sikret døgninstitution"
    return [
        flag(
            "isolation-too-long",
            str(regel.kilde),
            f"Den varede {minutter} minutter; højst {regel.vaerdi} timer på {sted} "
            f"efter {regel.kilde.henvisning}.",
        )
    ]


def _fundet(
    beslutninger: list[Beslutning], ref: str, indgreb: str, arter: list[Afgoerelsesart]
) -> Beslutning | None:
    koder = {a.kode for a in arter}
    for d in beslutninger:
        if d.afgoerelse_id != ref or d.udfald != "godkendt":
            continue
        if d.art in koder or (d.art is None and d.indgreb == indgreb):
            return d
    return None


def _art(d: Beslutning, arter: list[Afgoerelsesart]) -> Afgoerelsesart:
    return next((a for a in arter if a.kode == d.art), arter[0])


def _periode(
    d: Beslutning, brugene: Sequence[Brug], kode: str, art: Afgoerelsesart, regime: str
) -> list[Flag]:
    dage = sorted({x for b in brugene for x in b.dage()})
    if d.gyldig_fra is not None and d.gyldig_til is not None:
        udenfor = [x for x in dage if not d.gyldig_fra <= x <= d.gyldig_til]
        if not udenfor:
            return []
        periode = f"{d.gyldig_fra.isoformat()} til {d.gyldig_til.isoformat()}"
    else:
        udenfor, periode = dage, "ingen angivet periode"
    if regime != "val":
        return [flag(kode, str(art.kilde), f"({d.afgoerelse_id})")]
    brugt = ", ".join(x.isoformat() for x in udenfor)
    return [
        flag(
            kode,
            str(art.kilde),
            f"Afgørelsen {d.afgoerelse_id} gælder {periode}; brugt {brugt} "
            f"({art.kilde.henvisning}).",
        )
    ]


def _laengde(d: Beslutning, art: Afgoerelsesart) -> list[Flag]:
    graense = art.max_periode
    if graense is None or d.gyldig_fra is None or d.gyldig_til is None:
        return []
    if graense.enhed is Enhed.DAGE:
        sidste = d.gyldig_fra + timedelta(days=graense.antal - 1)
        tekst = f"{graense.antal} dage"
    else:
        sidste = _plus_maaneder(d.gyldig_fra, graense.antal) - timedelta(days=1)
        tekst = "1 år" if graense.antal == 12 else f"{graense.antal} måneder"
    if d.gyldig_til <= sidste:
        return []
    return [
        flag(
            "decision-period-exceeds-law",
            str(art.kilde),
            f"Afgørelsen {d.afgoerelse_id} gælder til {d.gyldig_til.isoformat()}; højst {tekst} "
            f"efter {art.kilde.henvisning}.",
        )
    ]


def _plus_maaneder(dag: date, antal: int) -> date:
    m = dag.month - 1 + antal
    aar, maaned = dag.year + m // 12, m % 12 + 1
    for d in (dag.day, 30, 29, 28):
        try:
            return date(aar, maaned, d)
        except ValueError:
            continue
    raise ValueError(dag)


def _dagsgraenser(
    alle: Sequence[Brug], denne: Sequence[Brug], katalog: Katalog, dag: date
) -> list[Flag]:
    i_traek = katalog.tal_regel("val.tilbageholdelse_dage_i_traek", dag)
    pr_aar = katalog.tal_regel("val.tilbageholdelse_dage_pr_aar", dag)
    raekke, aar = _raekke_og_aar(alle, denne)
    ud: list[Flag] = []
    if raekke > i_traek.vaerdi:
        ud.append(_dagflag("detention-days-in-a-row-exceeded", raekke, i_traek, "i træk"))
    if aar > pr_aar.vaerdi:
        ud.append(_dagflag("detention-days-per-year-exceeded", aar, pr_aar, "i alt på 1 år"))
    return ud


def _dagflag(kode: str, antal: int, regel: Talregel, hvad: str) -> Flag:
    return flag(
        kode,
        str(regel.kilde),
        f"{antal} dage {hvad}; højst {regel.vaerdi} efter {regel.kilde.henvisning}.",
    )


def _raekke_og_aar(alle: Sequence[Brug], denne: Sequence[Brug]) -> tuple[int, int]:
    """The longest run of consecutive days through this use's days, and days in its year."""
    dage = {x for b in alle for x in b.dage()}
    egne = sorted({x for b in denne for x in b.dage()})
    raekke = 0
    for x in egne:
        fra = til = x
        while fra - timedelta(days=1) in dage:
            fra -= timedelta(days=1)
        while til + timedelta(days=1) in dage:
            til += timedelta(days=1)
        raekke = max(raekke, (til - fra).days + 1)
    sidste = egne[-1]
    aar_start = _plus_maaneder(sidste, -12)
    return raekke, len([x for x in dage if aar_start < x <= sidste])


def _tal(tidligere: Sequence[Brug], brugene: Sequence[Brug]) -> dict[str, int]:
    alle = [b for b in tidligere if b.case_id not in {n.case_id for n in brugene}]
    raekke, aar = _raekke_og_aar([*alle, *brugene], brugene)
    return {"dage_i_traek": raekke, "dage_paa_et_aar": aar}


def _godkendt(
    d: Beslutning,
    beslutninger: list[Beslutning],
    art: Afgoerelsesart,
    katalog: Katalog,
    dag: date,
) -> list[Flag]:
    godkender = katalog.afgoerelsesart(art.godkendes_af or "", dag)
    if any(
        b.art == art.godkendes_af and b.foreloebig_ref == d.afgoerelse_id and b.udfald == "godkendt"
        for b in beslutninger
    ):
        return []
    hvem = f" ({godkender.kilde.henvisning})" if godkender else ""
    return [
        flag(
            "preliminary-decision-not-approved",
            str(art.kilde),
            f"Afgørelse {d.afgoerelse_id}{hvem}.",
        )
    ]


def _kontrol(
    indgreb: str,
    ref: str | None,
    fundet: bool | None,
    d: Beslutning | None,
    kilde: str,
    fund: list[Flag],
    *,
    art: str | None = None,
) -> Afgoerelseskontrol:
    if fund:
        konklusion = " ".join(f"{f.message} [{f.source}]" for f in fund)
    else:
        konklusion = f"Afgørelsen {ref} dækker brugen, og lovens grænser er overholdt ({kilde})."
    return Afgoerelseskontrol(
        indgreb=indgreb,
        afgoerelse_ref=ref,
        fundet=fundet,
        art=art,
        kilde=kilde,
        gyldig_fra=d.gyldig_fra if d else None,
        gyldig_til=d.gyldig_til if d else None,
        overholdt=fundet is True and not any(f.severity.value == "not-allowed" for f in fund),
        konklusion=konklusion,
    )
