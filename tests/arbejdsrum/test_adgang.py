"""The workspace's scope in a real browser: every demo user, logged in through Keycloak, tries every
page and action of another organisation's case and complaint and gets 403/404 with none of the
case's data; a form without its CSRF token changes nothing; headers and the cookie are hardened."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
import pytest
from arbejdsrum_miljoe import (
    BRUGERE,
    NORD,
    SYD,
    Miljoe,
    Organisation,
    Person,
    cookie_klient,
    godkend,
    klage,
    opfoelgning,
    val_form,
)
from selenium.webdriver.remote.webdriver import WebDriver

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Sag:
    """An approved case of one organisation, a complaint about it, and text only it contains."""

    org: Organisation
    case_id: str
    klage_id: str
    markoer: str


def _sag(m: Miljoe, org: Organisation) -> Sag:
    markoer = f"Markoer{org.navn}{uuid.uuid4().hex[:8]}"
    form = val_form(org)
    form["episode"]["beskrivelse"] = f"{markoer} holdt i armene."
    form["episode"]["sted"] = f"Stue {markoer}"
    with m.api("registrering", org.medarbejder) as api:
        svar = api.post("/sager", json=form)
    assert svar.status_code == 201, svar.text
    case_id = str(svar.json()["case_id"])
    godkend(m, org, case_id)
    return Sag(org, case_id, klage(m, org, case_id), markoer)


@dataclass(frozen=True)
class Sager:
    nord: Sag
    syd: Sag

    def fremmed(self, username: str) -> Sag:
        """The case of the organisation the user does not belong to."""
        return self.nord if BRUGERE[username][1] == "syd" else self.syd


@pytest.fixture(scope="module")
def sager(miljoe: Miljoe) -> Sager:
    return Sager(_sag(miljoe, NORD), _sag(miljoe, SYD))


def csrf_token(person: Person) -> str:
    """The session's CSRF token, from a form on the person's inbox (the logout form)."""
    person.side("/indbakke")
    felter = person.finds('input[name="csrf"]')
    assert felter, "no CSRF field on the inbox page"
    return str(felter[0].get_attribute("value"))


def forsoeg(sag: Sag) -> list[tuple[str, str, dict[str, str]]]:
    """Every page and action of the workspace on `sag`'s case and complaint."""
    c, k = sag.case_id, sag.klage_id
    tekst = {"tekst": "Forsøg udefra."}
    return [
        ("GET", f"/sager/{c}", {}),
        ("GET", f"/sager/{c}/pdf", {}),
        ("GET", f"/klager/{k}", {}),
        ("POST", f"/sager/{c}/lederdel", {"leder.kommentarer": "x", "leder.vurdering": "x"}),
        ("POST", f"/sager/{c}/godkend", {}),
        ("POST", f"/sager/{c}/tilbagemelding", tekst),
        ("POST", f"/sager/{c}/bemaerkning", {**tekst, "afgoerelse_i_orden": "true"}),
        ("POST", f"/sager/{c}/handleplan", {"indhold": "x", "dato": "2025-03-20"}),
        ("POST", f"/klager/{k}/genvurdering", {"fastholdt": "ja", "begrundelse": "x"}),
        (
            "POST",
            f"/klager/{k}/afgoerelse",
            {"afgjort_af": "ankestyrelsen", "udfald": "medhold", "afgjort": "2025-04-01T10:00"},
        ),
    ]


def _uroert(m: Miljoe, sag: Sag) -> None:
    """The case still has no follow-up and the complaint no step beyond its receipt."""
    data = opfoelgning(m, sag.case_id, f"kommune.{sag.org.kommune}")
    assert data["tilbagemeldinger"] == []
    assert data["bemaerkninger"] == []
    assert data["handleplan"] == []
    with m.api("registrering", sag.org.leder) as api:
        assert api.get(f"/sager/{sag.case_id}").json()["status"] == "godkendt"


@pytest.mark.parametrize("username", sorted(BRUGERE))
def test_another_organisations_case_is_not_found_on_any_page_or_action(
    miljoe: Miljoe, sager: Sager, browser: WebDriver, username: str
) -> None:
    person = Person(browser, miljoe.base)
    person.log_ind(username)
    sag = sager.fremmed(username)
    csrf = csrf_token(person)
    with cookie_klient(miljoe, person) as http:
        for method, path, form in forsoeg(sag):
            svar = (
                http.get(path) if method == "GET" else http.post(path, data={**form, "csrf": csrf})
            )
            assert svar.status_code in (403, 404), f"{username} {method} {path}: {svar.status_code}"
            assert sag.markoer not in svar.text, f"{username} {method} {path} shows the case"
            assert sag.org.institution_id not in svar.text, f"{username} {method} {path}"
        # the browser itself: the page of the case shows none of it either
        person.side(f"/sager/{sag.case_id}")
        assert sag.markoer not in person.html()
        assert not person.finds("form#lederdel, form#godkend, form#tilbagemelding, a#pdf")
    _uroert(miljoe, sag)


# what each user of "nord" may do on an approved case of nord (scope rules in magt_contracts.adgang)
TILLADT: dict[str, set[str]] = {
    "medarbejder.nord": set(),
    "leder.nord": set(),
    "fagkonsulent.nord": {"tilbagemelding"},
    "operatoer.nord": {"tilbagemelding"},
    "kommune.0851": {"tilbagemelding", "handleplan", "genvurdering", "afgoerelse"},
    "udvalg.0851": {"bemaerkning"},
    "socialtilsyn.nord": {"tilbagemelding"},
}


@pytest.fixture(scope="module")
def egen(miljoe: Miljoe) -> Sag:
    """An approved case of nord, with a complaint, that only this matrix touches."""
    return _sag(miljoe, NORD)


@pytest.mark.parametrize("username", sorted(TILLADT))
def test_a_role_cannot_take_another_roles_step_on_a_case_it_may_see(
    miljoe: Miljoe, egen: Sag, browser: WebDriver, username: str
) -> None:
    person = Person(browser, miljoe.base)
    person.log_ind(username)
    csrf = csrf_token(person)
    with cookie_klient(miljoe, person) as http:
        for method, path, form in forsoeg(egen):
            skridt = path.rsplit("/", 1)[1]
            if method == "GET" or skridt in TILLADT[username]:
                continue
            svar = http.post(path, data={**form, "csrf": csrf})
            assert svar.status_code >= 400, f"{username} POST {path}: {svar.status_code}"
    _uroert(miljoe, egen)
    with miljoe.api("klager", "kommune.0851") as api:
        klagen = api.get(f"/klager/{egen.klage_id}").json()
    assert klagen["status"] == "afventer_genvurdering", klagen


def test_a_form_without_its_csrf_token_changes_nothing(
    miljoe: Miljoe, sager: Sager, browser: WebDriver
) -> None:
    person = Person(browser, miljoe.base)
    person.log_ind("kommune.0851")
    person.side(f"/sager/{sager.nord.case_id}")
    felt = person.find('form#tilbagemelding input[name="csrf"]')
    csrf = str(felt.get_attribute("value"))
    path = f"/sager/{sager.nord.case_id}/tilbagemelding"
    with cookie_klient(miljoe, person) as http:
        uden = http.post(path, data={"tekst": "Uden token."})
        forkert = http.post(path, data={"tekst": "Forkert token.", "csrf": csrf[::-1] + "x"})
        assert uden.status_code in (400, 403), uden.status_code
        assert forkert.status_code in (400, 403), forkert.status_code
        assert opfoelgning(miljoe, sager.nord.case_id, "kommune.0851")["tilbagemeldinger"] == []
        # the same POST with the session's token is taken: the refusal was the token's
        med = http.post(path, data={"tekst": "Med token.", "csrf": csrf})
        assert med.status_code in (200, 303), med.status_code
    givet = opfoelgning(miljoe, sager.nord.case_id, "kommune.0851")["tilbagemeldinger"]
    assert [t["tekst"] for t in givet] == ["Med token."]


def test_headers_and_session_cookie_are_hardened(miljoe: Miljoe, browser: WebDriver) -> None:
    person = Person(browser, miljoe.base)
    person.log_ind("leder.nord")
    cookies = person.driver.get_cookies()
    assert cookies, "no session cookie"
    for cookie in cookies:
        assert cookie["httpOnly"] is True
        assert cookie.get("sameSite") == "Lax"
        assert len(cookie["value"]) >= 32  # a random id, nothing else
    with cookie_klient(miljoe, person) as http:
        for path in ("/indbakke", "/ny", "/klager", "/static/htmx.min.js"):
            h = http.get(path).headers
            csp = h.get("content-security-policy", "")
            for part in (
                "default-src 'self'",
                "script-src 'self'",
                "style-src 'self'",
                "frame-ancestors 'none'",
                f"form-action 'self' {miljoe.kc.url}",
            ):
                assert part in csp, f"{path}: {part!r} missing from the CSP"
            assert "unsafe-inline" not in csp
            assert h.get("x-content-type-options") == "nosniff"
            assert h.get("referrer-policy") == "no-referrer"


def test_without_a_session_every_page_sends_to_login(miljoe: Miljoe, sager: Sager) -> None:
    with httpx.Client(base_url=miljoe.base, timeout=30, follow_redirects=False) as http:
        assert http.get("/").headers.get("location", "").endswith("/login")
        for path in ("/indbakke", f"/sager/{sager.nord.case_id}", "/klager", "/ny"):
            svar = http.get(path)
            assert svar.status_code in (302, 303, 307, 401), f"{path}: {svar.status_code}"
            assert sager.nord.markoer not in svar.text
        post = http.post(f"/sager/{sager.nord.case_id}/tilbagemelding", data={"tekst": "x"})
        assert post.status_code in (302, 303, 401, 403)
        login = http.get("/login")
        assert login.status_code in (302, 303, 307)
        ziel = login.headers["location"]
        assert ziel.startswith(miljoe.kc.auth_url(miljoe.realm))
        for param in ("code_challenge_method=S256", "state=", "nonce=", "code_challenge="):
            assert param in ziel, param


def test_logout_ends_the_session(miljoe: Miljoe, browser: WebDriver) -> None:
    person = Person(browser, miljoe.base)
    person.log_ind("medarbejder.nord")
    with cookie_klient(miljoe, person) as http:
        assert http.get("/indbakke").status_code == 200
        csrf = csrf_token(person)
        person.send('form[action="/logout"]', paa_siden=False)
        # the old cookie (kept by this client) no longer opens anything: the session is gone
        assert http.get("/indbakke").status_code in (302, 303, 307, 401)
    person.side("/indbakke")
    assert not person.finds("#bruger") or "medarbejder" not in person.find("#bruger").text
    assert csrf  # the token was there while the session lived
