"""The children's regime (VAL): a report's interventions against the place and its limits, the
child's account, guidance and registration (VAL §§ 2, 8-21), and a VAL decision's period."""

from __future__ import annotations

from datetime import date

from magt_contracts.begreber import InstitutionArt
from magt_contracts.catalogue import Katalog
from magt_contracts.catalogue import val as val_kat
from magt_contracts.catalogue.institutioner import sted_af
from magt_contracts.catalogue.model import Begraensning
from magt_contracts.catalogue.val import AFLASTNING_UDEN_FOR_VAL
from magt_contracts.forms import (
    ValAfgoerelse,
    ValIndberetning,
)
from magt_contracts.forms.val import IkkeRedegoerelseAarsag
from magt_contracts.rules.afgoerelser import Brug, isolation, kontroller
from magt_contracts.rules.deadlines import sen_registrering
from magt_contracts.rules.flag import flag
from magt_contracts.rules.klassifikation import i_aflastning
from magt_contracts.tid import dansk_dato, ved_dag_start
from magt_contracts.vaerdier import Flag

_STRAFFERETLIG = {"strafferetlig_dom", "strafferetlig_kendelse"}


_KUN_SIKRET_FLAG = {
    "isolation": "isolation-outside-secured",
    "undersoegelse_besoeg": "search-outside-secured",
}


def val_indberetning(form: ValIndberetning, indgreb: list[str], kat: Katalog) -> list[Flag]:
    dag = dansk_dato(form.episode.start)
    ud: list[Flag] = []
    if i_aflastning(form):
        ud.append(flag("not-allowed-in-aflastning", str(AFLASTNING_UDEN_FOR_VAL)))
    for kode in indgreb:
        ud += _val_indgreb(form, kode, dag, kat)
    if not form.barnets_redegoerelse.indgaar:
        aarsag = form.barnets_redegoerelse.aarsag
        kode = (
            "child-not-offered-account"
            if aarsag is IkkeRedegoerelseAarsag.IKKE_TILBUDT
            else "child-account-missing"
        )
        ud.append(flag(kode, str(val_kat.REDEGOERELSE_KILDE), f"Årsag: {aarsag}."))
    if not form.klagevejledning_givet:
        ud.append(flag("complaint-guidance-missing", str(val_kat.KLAGEVEJLEDNING_KILDE)))
    if form.mistanke_om_strafbart_forhold:
        ud.append(flag("crime-suspected", str(val_kat.STRAFBART_KILDE)))
    ud += sen_registrering(
        form.episode.start, form.registrering.registreret_tidspunkt, "val.registrering", kat
    )
    return ud


def _val_indgreb(form: ValIndberetning, kode: str, dag: date, kat: Katalog) -> list[Flag]:
    typ = kat.indgrebstype("val", kode, dag)
    if typ is None or Begraensning.IKKE_TILLADT in typ.begraensninger:
        return [flag("not-allowed-intervention", str(typ.kilde) if typ else "", f"({kode})")]
    ud: list[Flag] = []
    sted = kat.sted(sted_af(form.institution), dag)
    opfylder = sted.opfylder if sted is not None else frozenset()
    if Begraensning.KUN_SIKRET in typ.begraensninger and Begraensning.KUN_SIKRET not in opfylder:
        ud.append(flag(_KUN_SIKRET_FLAG.get(kode, "not-allowed-intervention"), str(typ.kilde)))
    elif kode == "isolation":
        ud += isolation(form.episode.start, form.episode.slut, sted_af(form.institution), kat)
    if (
        Begraensning.KUN_DELVIS_LUKKET in typ.begraensninger
        and Begraensning.KUN_DELVIS_LUKKET not in opfylder
    ):
        ud.append(flag("outside-partly-closed", str(typ.kilde), f"({kode})"))
    skole = kat.sted(InstitutionArt.INTERN_SKOLE, dag) if form.paa_intern_skole else sted
    if skole is not None and skole.kun_indgreb is not None and kode not in skole.kun_indgreb:
        ud.append(flag("not-allowed-at-intern-skole", str(skole.kilde), f"({kode})"))
    kriminel = form.barn.anbringelsesgrundlag in _STRAFFERETLIG
    if Begraensning.KUN_STRAFFERETLIG_ANBRINGELSE in typ.begraensninger and not kriminel:
        ud.append(flag("communication-without-criminal-placement", str(typ.kilde)))
    return ud


def val_afgoerelse(form: ValAfgoerelse, kat: Katalog) -> list[Flag]:
    """A VAL decision: its period no longer than the act lets its kind run."""
    art = kat.afgoerelsesart(form.art, dansk_dato(form.meddelt_tidspunkt))
    if art is None:
        return [flag("not-approvable-intervention", "", f"({form.art})")]
    if form.udfald != "godkendt" or form.gyldig_fra is None or art.max_periode is None:
        return []
    brug = [Brug("denne", next(iter(sorted(art.indgreb))), ved_dag_start(form.gyldig_fra),
                 ved_dag_start(form.gyldig_fra))]  # fmt: skip
    _, fund = kontroller(
        brug, regime="val", ref=form.afgoerelse_id, afgoerelser=[form], katalog=kat
    )
    return [f for f in fund if f.code == "decision-period-exceeds-law"]
