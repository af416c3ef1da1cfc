"""One case through the workspace, person after person, in a real browser against the running
services: the medarbejder registers it on /ny (a field error first, nothing typed lost), the leader
completes the leader's part and approves, the handlekommune gives feedback and records the
handleplan, the Socialtilsyn and the fagkonsulent see it, the Magtanvendelsesudvalg sends remarks,
the kommune takes a complaint through its steps, and the national role sees no case.

Each role's main pages are screenshotted to `.state/artifacts/` and checked with axe-core; no URL
the browser requested carries the person's CPR number or name. The tests run in file order and
share the case (a module fixture), as the people of one case do.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from arbejdsrum_miljoe import (
    NORD,
    Miljoe,
    Person,
    axe_alvorlige,
    cookie_klient,
    ingen_hemmeligheder_i_urls,
    klage,
    opfoelgning,
    skaermbillede,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

pytestmark = pytest.mark.integration

DK = ZoneInfo("Europe/Copenhagen")
CPR = "020285-1357"  # synthetic (the contract example's)
NAVN = "Bo Prøvesen"
HEMMELIGE = [CPR, CPR.replace("-", ""), NAVN, "Prøvesen", "Pr%C3%B8vesen"]


def ny_form() -> dict[str, str | bool]:
    """A Skema 1 a for tilbud-0851-017 as the medarbejder types it on /ny."""
    start = (datetime.now(DK) - timedelta(hours=20)).replace(second=0, microsecond=0)
    return {
        "form_type": "skema_1a",
        "institution.navn": "Solsikkehuset (fiktivt)",
        "institution.art": "botilbud",
        "institution.beliggenhedskommune": NORD.kommune,
        "institution.driftsform": "offentlig_regional",
        "institution.driftsherre_id": NORD.driftsherre_id,
        "borger.cpr": CPR,
        "borger.navn": NAVN,
        "borger.handlekommune": NORD.kommune,
        "indgreb": "fastholdelse",
        "episode.start": start.strftime("%Y-%m-%dT%H:%M"),
        "episode.slut": (start + timedelta(minutes=4)).strftime("%Y-%m-%dT%H:%M"),
        "episode.sted": "Fællesrummet",
        "episode.forloeb_foer": "Bo blev urolig efter aftensmaden og slog ud efter en anden beboer.",
        "episode.beskrivelse": "En medarbejder holdt Bo i armene i ca. tre minutter.",
        "episode.begrundelse": "Der var nærliggende risiko for, at en anden beboer kom til skade.",
        "frivillig_medvirken_forsoegt": True,
        "andre_tiltag": "Rolig tale og tilbud om at gå en tur.",
        "involverede.0.medarbejder_ref": "mdb-2001",
        "registrering.registreret_af": "mdb-2001",
        "klagevejledning_givet": True,
    }


class Forloeb:
    """What one person leaves for the next: the case and complaint ids and axe's findings."""

    def __init__(self) -> None:
        self.case_id: str | None = None
        self.klage_id: str | None = None

    def sag(self) -> str:
        if self.case_id is None:
            pytest.fail("the medarbejder's registration did not succeed, so there is no case")
        return self.case_id


@pytest.fixture(scope="module")
def forloeb() -> Forloeb:
    return Forloeb()


def hovedside(person: Person, rolle: str, side: str, fund: list[str]) -> None:
    """Screenshot the page and note axe-core's serious and critical violations."""
    skaermbillede(person.driver, rolle, side)
    for v in axe_alvorlige(person.driver):
        fund.append(f"{side}: {v['id']} ({v['impact']}) {v['help']} {v['nodes']}")


def felt_vaerdi(person: Person, navn: str) -> str:
    return str(person.find(f'[name="{navn}"]').get_attribute("value"))


def besked(person: Person) -> str:
    found = person.finds("#besked")
    assert found, "no flash message #besked after the action"
    return str(found[0].text)


def test_medarbejder_registers_on_ny_and_keeps_every_value_on_an_error(
    miljoe: Miljoe, browser: WebDriver, forloeb: Forloeb
) -> None:
    p = Person(browser, miljoe.base)
    p.log_ind("medarbejder.nord")
    fund: list[str] = []
    assert "medarbejder" in p.find("#bruger").text.lower()
    assert p.finds("nav#menu")
    hovedside(p, "medarbejder", "indbakke", fund)
    p.side("/ny")
    assert felt_vaerdi(p, "institution.institution_id") == NORD.institution_id
    form = {**ny_form(), "borger.cpr": "12345"}
    p.send("form#ny", form)
    # the Danish error stands beside the field (in the field's own box) and is tied to it
    felt = p.find('[name="borger.cpr"]')
    boks = felt.find_element(By.XPATH, "./ancestor::div[contains(@class, 'felt')][1]")
    fejl = boks.find_elements(By.CSS_SELECTOR, '.fejl[data-felt="borger.cpr"]')
    assert fejl, "no error beside the CPR field"
    assert fejl[0].is_displayed()
    assert str(fejl[0].get_attribute("id")) in (felt.get_attribute("aria-describedby") or "")
    assert felt.get_attribute("aria-invalid") == "true"
    assert "cpr" in fejl[0].text.lower() or "ugyldig" in fejl[0].text.lower(), fejl[0].text
    assert not p.finds('.fejl[data-felt="borger.navn"]')
    # nothing typed is lost
    for navn in ("borger.navn", "episode.beskrivelse", "episode.start", "andre_tiltag"):
        assert felt_vaerdi(p, navn) == form[navn], navn
    assert felt_vaerdi(p, "borger.cpr") == "12345"
    assert p.find('[name="frivillig_medvirken_forsoegt"]').is_selected()
    assert felt_vaerdi(p, "indgreb") == "fastholdelse"
    hovedside(p, "medarbejder", "ny-fejl", fund)
    p.send("form#ny", {"borger.cpr": CPR})
    assert "/sager/" in p.driver.current_url, p.driver.current_url
    assert "registreret" in besked(p).lower()
    forloeb.case_id = p.driver.current_url.rsplit("/sager/", 1)[1].split("?")[0]
    with miljoe.api("registrering", "leder.nord") as api:
        sag = api.get(f"/sager/{forloeb.case_id}").json()
    assert sag["status"] == "registreret"
    assert sag["form"]["borger"]["navn"] == NAVN
    # the medarbejder's inbox lists the new registration
    p.genindlaes_til("/indbakke", f'tr[data-sag="{forloeb.case_id}"]')
    ingen_hemmeligheder_i_urls(p.urls, HEMMELIGE)
    assert fund == []


def test_leder_completes_the_leader_part_and_approves(
    miljoe: Miljoe, browser: WebDriver, forloeb: Forloeb
) -> None:
    case_id = forloeb.sag()
    p = Person(browser, miljoe.base)
    p.log_ind("leder.nord")
    fund: list[str] = []
    p.genindlaes_til("/indbakke", f'tr[data-sag="{case_id}"]')
    hovedside(p, "leder", "indbakke", fund)
    p.side(f"/sager/{case_id}")
    assert NAVN in p.html()  # the leader of the institution reads the whole report
    oplysninger = p.html()  # and what was tried first, and who took part, before approving
    assert "Frivillig medvirken forsøgt" in oplysninger
    assert "Rolig tale og tilbud om at gå en tur." in oplysninger
    assert "Involverede medarbejdere" in oplysninger
    assert "mdb-2001" in oplysninger
    assert not p.finds("form#godkend")  # not before the leader's part
    hovedside(p, "leder", "sag", fund)
    p.send(
        "form#lederdel",
        {
            "kommentarer": "Forløbet er beskrevet grundigt.",
            "vurdering": "Indgrebet var nødvendigt.",
            "opfoelgning_i_medarbejdergruppe": True,
        },
    )
    assert "lederens del" in besked(p).lower()
    p.send("form#godkend")
    assert "godkendt" in besked(p).lower()
    with miljoe.api("registrering", "leder.nord") as api:
        sag = api.get(f"/sager/{case_id}").json()
    assert sag["status"] == "godkendt"
    assert sag["form"]["leder"]["vurdering"] == "Indgrebet var nødvendigt."
    ingen_hemmeligheder_i_urls(p.urls, HEMMELIGE)
    assert fund == []


def test_kommune_sees_the_approved_report_gives_feedback_and_records_a_handleplan(
    miljoe: Miljoe, browser: WebDriver, forloeb: Forloeb
) -> None:
    case_id = forloeb.sag()
    p = Person(browser, miljoe.base)
    p.log_ind("kommune.0851")
    fund: list[str] = []
    p.genindlaes_til("/indbakke", f'tr[data-sag="{case_id}"]')
    hovedside(p, "kommune", "indbakke", fund)
    p.side(f"/sager/{case_id}")
    pdf = p.find("a#pdf").get_attribute("href")
    assert pdf is not None
    assert pdf.endswith(f"/sager/{case_id}/pdf")
    with cookie_klient(miljoe, p) as http:
        svar = http.get(f"/sager/{case_id}/pdf")
    assert svar.status_code == 200
    assert svar.content.startswith(b"%PDF")
    assert svar.headers["content-type"].startswith("application/pdf")
    hovedside(p, "kommune", "sag", fund)
    p.send("form#tilbagemelding", {"tekst": "Kommunen har talt med Bo og hans værge."})
    assert "tilbagemelding" in besked(p).lower()
    assert "Kommunen har talt med Bo og hans værge." in p.find("main#indhold").text
    p.send(
        "form#handleplan",
        {"indhold": "Handleplanen suppleres med en aftale om rolige aftener.", "revideret": True},
    )
    assert "handleplan" in besked(p).lower()
    data = opfoelgning(miljoe, case_id, "kommune.0851")
    assert [t["tekst"] for t in data["tilbagemeldinger"]] == [
        "Kommunen har talt med Bo og hans værge."
    ]
    assert data["tilbagemeldinger"][0]["organisation"] == NORD.kommune
    assert [h["indhold"] for h in data["handleplan"]] == [
        "Handleplanen suppleres med en aftale om rolige aftener."
    ]
    # the inbox now shows that feedback was given on this report
    p.side("/indbakke")
    assert "givet" in p.find(f'tr[data-sag="{case_id}"]').text.lower()
    ingen_hemmeligheder_i_urls(p.urls, HEMMELIGE)
    assert fund == []


def test_socialtilsyn_sees_the_report_and_the_kommunes_feedback_and_gives_its_own(
    miljoe: Miljoe, browser: WebDriver, forloeb: Forloeb
) -> None:
    case_id = forloeb.sag()
    p = Person(browser, miljoe.base)
    p.log_ind("socialtilsyn.nord")
    fund: list[str] = []
    p.genindlaes_til("/indbakke", f'tr[data-sag="{case_id}"]')
    hovedside(p, "socialtilsyn", "indbakke", fund)
    p.side(f"/sager/{case_id}")
    assert "Kommunen har talt med Bo og hans værge." in p.find("main#indhold").text
    assert not p.finds("form#handleplan")  # the handleplan is the handlekommune's
    p.send("form#tilbagemelding", {"tekst": "Tilsynet følger op ved næste besøg."})
    assert "tilbagemelding" in besked(p).lower()
    data = opfoelgning(miljoe, case_id, "socialtilsyn.nord")
    assert {t["rolle"] for t in data["tilbagemeldinger"]} == {"kommune", "socialtilsyn"}
    ingen_hemmeligheder_i_urls(p.urls, HEMMELIGE)
    assert fund == []


def test_fagkonsulent_sees_the_report_and_everyones_feedback(
    miljoe: Miljoe, browser: WebDriver, forloeb: Forloeb
) -> None:
    case_id = forloeb.sag()
    p = Person(browser, miljoe.base)
    p.log_ind("fagkonsulent.nord")
    fund: list[str] = []
    p.genindlaes_til("/indbakke", f'tr[data-sag="{case_id}"]')
    hovedside(p, "fagkonsulent", "indbakke", fund)
    p.side(f"/sager/{case_id}")
    tekst = p.find("main#indhold").text
    givet = opfoelgning(miljoe, case_id, "fagkonsulent.nord")["tilbagemeldinger"]
    assert "Kommunen har talt med Bo og hans værge." in [t["tekst"] for t in givet]
    for t in givet:  # every feedback given so far is on the fagkonsulent's page
        assert t["tekst"] in tekst
    assert p.finds("form#tilbagemelding")
    assert p.finds("a#pdf")
    hovedside(p, "fagkonsulent", "sag", fund)
    ingen_hemmeligheder_i_urls(p.urls, HEMMELIGE)
    assert fund == []


def test_magtanvendelsesudvalget_sends_remarks(
    miljoe: Miljoe, browser: WebDriver, forloeb: Forloeb
) -> None:
    case_id = forloeb.sag()
    p = Person(browser, miljoe.base)
    p.log_ind("udvalg.0851")
    fund: list[str] = []
    p.genindlaes_til("/indbakke", f'tr[data-sag="{case_id}"]')
    hovedside(p, "magtanvendelsesudvalg", "indbakke", fund)
    p.side(f"/sager/{case_id}")
    assert not p.finds("form#tilbagemelding, form#handleplan, form#godkend")
    p.send(
        "form#bemaerkning",
        {"tekst": "Indgrebet svarer til afgørelsen.", "afgoerelse_i_orden": True},
    )
    assert "bemærkning" in besked(p).lower()
    data = opfoelgning(miljoe, case_id, "udvalg.0851")
    assert [(b["tekst"], b["afgoerelse_i_orden"]) for b in data["bemaerkninger"]] == [
        ("Indgrebet svarer til afgørelsen.", True)
    ]
    ingen_hemmeligheder_i_urls(p.urls, HEMMELIGE)
    assert fund == []


def _klagen(m: Miljoe, klage_id: str) -> dict[str, Any]:
    with m.api("klager", "kommune.0851") as api:
        svar = api.get(f"/klager/{klage_id}")
    assert svar.status_code == 200, svar.text
    data: dict[str, Any] = svar.json()
    return data


def test_kommune_takes_a_complaint_through_its_steps(
    miljoe: Miljoe, browser: WebDriver, forloeb: Forloeb
) -> None:
    case_id = forloeb.sag()
    forloeb.klage_id = klage_id = klage(miljoe, NORD, case_id)
    p = Person(browser, miljoe.base)
    p.log_ind("kommune.0851")
    fund: list[str] = []
    raekke = p.genindlaes_til("/klager", f'tr[data-klage="{klage_id}"]')
    assert any(ch.isdigit() for ch in raekke.text), "no deadline shown in the queue"
    hovedside(p, "kommune", "klager", fund)
    p.side(f"/klager/{klage_id}")
    hovedside(p, "kommune", "klage", fund)
    assert not p.finds("form#afgoerelse")  # reconsideration comes first
    p.send(
        "form#genvurdering",
        {"fastholdt": "ja", "begrundelse": "Afgørelsen fastholdes efter genvurdering."},
    )
    assert "genvurdering" in besked(p).lower()
    efter_genvurdering = _klagen(miljoe, klage_id)
    assert efter_genvurdering["status"] != "afventer_genvurdering", efter_genvurdering
    afgjort = datetime.now(DK).replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")
    p.send(
        "form#afgoerelse",
        {"afgjort_af": "ankestyrelsen", "udfald": "ikke_medhold", "afgjort": afgjort},
    )
    assert "afgørelse" in besked(p).lower()
    slut = _klagen(miljoe, klage_id)
    assert "afgjort" in str(slut["status"]), slut
    side = p.find("main#indhold").text
    assert "Afgørelsen fastholdes efter genvurdering." in side
    ingen_hemmeligheder_i_urls(p.urls, HEMMELIGE)
    assert fund == []


def test_national_sees_no_case_only_statistics(
    miljoe: Miljoe, browser: WebDriver, forloeb: Forloeb
) -> None:
    case_id = forloeb.sag()
    p = Person(browser, miljoe.base)
    p.log_ind("national.ankestyrelsen")
    fund: list[str] = []
    p.side("/indbakke")
    assert not p.finds("tr[data-sag]")
    assert case_id not in p.html()
    assert p.finds("a#statistik"), "no link to the statistics"
    hovedside(p, "national", "indbakke", fund)
    p.side(f"/sager/{case_id}")
    assert NAVN not in p.html()
    assert "Fællesrummet" not in p.html()
    assert fund == []
