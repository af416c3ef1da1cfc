"""The workspace's browser-test world: services and workspace as real processes, Keycloak logins,
headless Chromium, axe-core, screenshots, and cases seeded over the services' own HTTP APIs.

Organisations (the realm's demo users): "nord" is tilbud-0851-017 (kommune 0851, driftsherre 1081,
leder.nord, medarbejder.nord, kommune.0851, udvalg.0851, fagkonsulent.nord, socialtilsyn.nord);
"syd" is tilbud-0101-001 (kommune 0101, driftsherre 1082, leder.syd, medarbejder.syd, kommune.0101).
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote

import httpx
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from magt import platform as pf
from magt.infra import postgres
from magt.infra.common import free_port, repo_root
from magt.infra.keycloak import Keycloak, password_token
from magt.testing.browser import chromium

TJENESTER = ("registrering", "routing", "frister", "klager")
ARBEJDSRUM = "arbejdsrum"
DEMO_PASSWORD = "demo"  # the realm file's synthetic demo users
WORKSPACE_CLIENT = "magt-workspace"
HER = Path(__file__).resolve().parent
AXE = HER / "vendor" / "axe.min.js"
ARTIFACTS = repo_root() / ".state" / "artifacts"
VENT_S = 60.0


@dataclass(frozen=True)
class Organisation:
    """One side: the institution and the bodies its cases belong to."""

    navn: str
    institution_id: str
    kommune: str  # handlekommune and beliggenhedskommune alike
    driftsherre_id: str
    medarbejder: str
    leder: str


NORD = Organisation("nord", "tilbud-0851-017", "0851", "1081", "medarbejder.nord", "leder.nord")
SYD = Organisation("syd", "tilbud-0101-001", "0101", "1082", "medarbejder.syd", "leder.syd")

# every demo user of the realm, by role code, with the organisation of the user
BRUGERE: dict[str, tuple[str, str]] = {
    "medarbejder.nord": ("medarbejder", "nord"),
    "leder.nord": ("leder", "nord"),
    "medarbejder.syd": ("medarbejder", "syd"),
    "leder.syd": ("leder", "syd"),
    "fagkonsulent.nord": ("fagkonsulent", "nord"),
    "operatoer.nord": ("operatoer", "nord"),
    "kommune.0851": ("kommune", "nord"),
    "kommune.0101": ("kommune", "syd"),
    "udvalg.0851": ("magtanvendelsesudvalg", "nord"),
    "socialtilsyn.nord": ("socialtilsyn", "nord"),
    "national.ankestyrelsen": ("national", "national"),
}


# --- the running world --------------------------------------------------------------------------


@dataclass
class Miljoe:
    """The running services and workspace, and how to reach them as a demo user."""

    platform: pf.Platform
    kc: Keycloak
    realm: str
    base: str

    def url(self, name: str) -> str:
        return self.platform.url(name)

    def token(self, username: str) -> str:
        """An access token for the demo user (direct grant on the test client; not a browser)."""
        return password_token(self.kc, username, DEMO_PASSWORD, realm=self.realm)

    def api(self, name: str, username: str) -> httpx.Client:
        """An HTTP client of service `name` acting as `username`."""
        return httpx.Client(
            base_url=self.url(name),
            headers={"Authorization": f"Bearer {self.token(username)}"},
            timeout=30,
        )

    def logs(self) -> str:
        return "\n".join(self.platform.logs().values())

    def stop(self) -> None:
        self.platform.stop()


def workspace_env(kc: Keycloak, realm: str, base: str, urls: dict[str, str]) -> dict[str, str]:
    """The workspace's settings (prefix MAGT_ARBEJDSRUM_): services, OIDC and its public URL."""
    env = {f"MAGT_ARBEJDSRUM_{n.upper()}_URL": u for n, u in urls.items()}
    return {
        **env,
        "MAGT_ARBEJDSRUM_OIDC_ISSUER": kc.issuer(realm),
        "MAGT_ARBEJDSRUM_OIDC_CLIENT_ID": WORKSPACE_CLIENT,
        "MAGT_ARBEJDSRUM_PUBLIC_URL": base,
    }


def start_miljoe(root: Path, bootstrap: str, pg_admin_url: str, kc: Keycloak, realm: str) -> Miljoe:
    """Start the four services, then the workspace pointing at them; all healthy."""
    token = uuid.uuid4().hex[:6]
    names = (*TJENESTER, ARBEJDSRUM)
    dbs = {n: postgres.create_database(pg_admin_url, f"ws_{token}_{n}") for n in names}
    platform = pf.Platform(
        env=pf.shared_env(bootstrap, f"ws{token}.", pf.Secrets.generate(), kc.service_env(realm)),
        log_dir=root / "logs",
        service_env=pf.database_env(dbs),
    )
    try:
        platform.start_all(TJENESTER)
        # the workspace must know its own address (Keycloak's redirect) before it starts:
        # reserve the port by a placeholder that `start` reuses
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        platform.processes[(ARBEJDSRUM, 0)] = pf.Process(
            ARBEJDSRUM, 0, port, 0, root / "logs" / "placeholder"
        )
        urls = {n: platform.url(n) for n in TJENESTER}
        platform.service_env = pf.merge_env(
            platform.service_env, {ARBEJDSRUM: workspace_env(kc, realm, base, urls)}
        )
        platform.start(ARBEJDSRUM)
    except Exception:
        platform.stop()
        raise
    return Miljoe(platform, kc, realm, base)


# --- seeding over the services' APIs ------------------------------------------------------------


def eksempel(navn: str) -> dict[str, Any]:
    """A contract example form (synthetic CPR numbers and names)."""
    path = repo_root() / "contracts" / "examples" / f"{navn}.json"
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def val_form(org: Organisation, *, med_leder: bool = True) -> dict[str, Any]:
    """The VAL example report moved to `org` (its kommune handlekommune too)."""
    form = copy.deepcopy(eksempel("val_indberetning"))
    form["institution"]["institution_id"] = org.institution_id
    form["institution"]["beliggenhedskommune"] = org.kommune
    form["institution"]["driftsherre_id"] = org.driftsherre_id
    form["barn"]["handlekommune"] = org.kommune
    if not med_leder:
        form.pop("leder", None)
    return form


def hemmeligheder(form: dict[str, Any]) -> list[str]:
    """The CPR numbers (with and without dash) and names in a form: never in a URL."""
    barn = form["barn"]
    ud = [barn["cpr"], barn["cpr"].replace("-", ""), barn["navn"]]
    for part in barn.get("foraeldremyndighed", []):
        ud += [part["cpr"], part["cpr"].replace("-", ""), part["navn"]]
    return ud


def registrer(m: Miljoe, org: Organisation, *, med_leder: bool = True) -> str:
    """A report of `org` registered by its medarbejder over registrering's API; its case id."""
    with m.api("registrering", org.medarbejder) as api:
        svar = api.post("/sager", json=val_form(org, med_leder=med_leder))
    assert svar.status_code == 201, svar.text
    case_id: str = svar.json()["case_id"]
    return case_id


def godkend(m: Miljoe, org: Organisation, case_id: str) -> None:
    """The leader of `org` approves the case over registrering's API."""
    with m.api("registrering", org.leder) as api:
        svar = api.post(f"/sager/{case_id}/godkendelse")
    assert svar.status_code == 200, svar.text


def godkendt_sag(m: Miljoe, org: Organisation) -> str:
    """An approved report of `org` (registered and approved over the API)."""
    case_id = registrer(m, org)
    godkend(m, org, case_id)
    return case_id


def klage(m: Miljoe, org: Organisation, case_id: str) -> str:
    """A complaint of a guardian about `case_id`, received by `org`'s kommune; its id."""
    klage_id = f"k-{uuid.uuid4().hex[:10]}"
    body = {
        "klage_id": klage_id,
        "case_id": case_id,
        "klagetype": "afgoerelse",
        "klager_rolle": "vaerge",
        "person_ref": "p-testperson01",
        "handlekommune": org.kommune,
        "institution_id": org.institution_id,
    }
    with m.api("klager", f"kommune.{org.kommune}") as api:
        svar = api.post("/klager", json=body)
    assert svar.status_code in (200, 201), svar.text
    return klage_id


def opfoelgning(m: Miljoe, case_id: str, username: str) -> dict[str, Any]:
    """What registrering holds of the case's follow-up (feedback, remarks, handleplan)."""
    with m.api("registrering", username) as api:
        svar = api.get(f"/sager/{case_id}/opfoelgning")
    assert svar.status_code == 200, svar.text
    data: dict[str, Any] = svar.json()
    return data


# --- the browser --------------------------------------------------------------------------------


def ny_browser(chromedriver: str) -> WebDriver:
    """Headless Chromium that logs every request it makes (to check URLs for personal data)."""
    options = webdriver.ChromeOptions()
    options.add_argument("--window-size=1280,1000")
    options.add_argument("--lang=da-DK")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = chromium(chromedriver, options)
    driver.set_script_timeout(60)
    return driver


def vent(driver: WebDriver, betingelse: Callable[[WebDriver], Any], s: float = 30.0) -> Any:
    return WebDriverWait(driver, s).until(betingelse)


@dataclass
class Person:
    """One demo user in their own browser, with every URL the browser requested."""

    driver: WebDriver
    base: str
    username: str = ""
    urls: list[str] = field(default_factory=list)

    def side(self, path: str) -> None:
        """Open a workspace page and wait for its main content."""
        self.driver.get(f"{self.base}{path}")
        self.noter()

    def log_ind(self, username: str) -> None:
        """Log in through the workspace's /login and Keycloak's own login form."""
        log_ind(self.driver, self.base, username)
        self.username = username
        self.noter()

    def noter(self) -> list[str]:
        """Every URL requested since the last call (the performance log), kept in `urls`."""
        nye = [self.driver.current_url]
        try:
            entries: list[dict[str, Any]] = cast(Any, self.driver).get_log("performance")
        except WebDriverException:
            entries = []
        for entry in entries:
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                nye.append(message["params"]["request"]["url"])
        self.urls += nye
        return nye

    def html(self) -> str:
        return str(self.driver.page_source)

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def finds(self, css: str) -> list[WebElement]:
        return list(self.driver.find_elements(By.CSS_SELECTOR, css))

    def udfyld(self, form: WebElement, felter: dict[str, str | bool]) -> None:
        """Fill the form's fields by name: text, select, checkbox or radio."""
        for navn, vaerdi in felter.items():
            udfyld_felt(form, navn, vaerdi)

    def send(
        self,
        form_css: str,
        felter: dict[str, str | bool] | None = None,
        *,
        paa_siden: bool = True,
    ) -> None:
        """Fill and submit a form, then wait for the next page (a workspace page unless not
        `paa_siden`, as after logging out at Keycloak)."""
        form = self.find(form_css)
        self.udfyld(form, felter or {})
        gammel = self.find("html")
        knap = form.find_elements(By.CSS_SELECTOR, "button[type=submit], input[type=submit]")
        if knap:
            knap[0].click()
        else:
            form.submit()
        vent(self.driver, lambda d: _foraeldet(gammel))
        if paa_siden:
            vent(self.driver, lambda d: d.find_elements(By.CSS_SELECTOR, "main#indhold"))
        self.noter()

    def genindlaes_til(self, path: str, css: str, s: float = VENT_S) -> WebElement:
        """Reload `path` until `css` is on it (events travel through Kafka meanwhile)."""
        deadline = time.monotonic() + s
        while True:
            self.side(path)
            found = self.finds(css)
            if found:
                return found[0]
            assert time.monotonic() < deadline, f"{css} did not appear on {path} in {s:.0f} s"
            time.sleep(1.0)


def _foraeldet(element: WebElement) -> bool:
    try:
        element.is_enabled()
    except WebDriverException:
        return True
    return False


def udfyld_felt(form: WebElement, navn: str, vaerdi: str | bool) -> None:
    """Set one named field of `form` as a person would."""
    felter = form.find_elements(By.CSS_SELECTOR, f'[name="{navn}"]')
    assert felter, f"the form has no field {navn!r}"
    felt = felter[0]
    tag = felt.tag_name.lower()
    kind = (felt.get_attribute("type") or "").lower()
    if tag == "select":
        Select(felt).select_by_value(str(vaerdi))
    elif kind == "radio":
        valgt = [f for f in felter if f.get_attribute("value") == str(vaerdi)]
        assert valgt, f"{navn!r} has no choice {vaerdi!r}"
        valgt[0].click()
    elif kind == "checkbox":
        if bool(vaerdi) != felt.is_selected():
            felt.click()
    elif kind in ("date", "datetime-local", "time"):
        # the typed segments of a date picker follow the browser's locale; set it as a picker does
        felt.parent.execute_script(
            "arguments[0].value = arguments[1];"
            "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
            "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
            felt,
            str(vaerdi),
        )
    else:
        felt.clear()
        felt.send_keys(str(vaerdi))


def log_ind(driver: WebDriver, base: str, username: str) -> None:
    """Log in at Keycloak's form (password 'demo') from the workspace's /login; back on a page."""
    driver.get(f"{base}/login")
    vent(driver, lambda d: d.find_elements(By.ID, "username"))
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(DEMO_PASSWORD)
    driver.find_element(By.ID, "kc-login").click()
    vent(
        driver,
        lambda d: d.current_url.startswith(base) and d.find_elements(By.ID, "indhold"),
    )


def ingen_hemmeligheder_i_urls(urls: list[str], hemmelige: list[str]) -> None:
    """No CPR number or name in any URL the browser requested (raw or percent-decoded)."""
    for url in urls:
        for tekst in (url, unquote(url), unquote(url).replace("+", " ")):
            for hemmelig in hemmelige:
                assert hemmelig.lower() not in tekst.lower(), "personal data in a visited URL"


def axe_alvorlige(driver: WebDriver) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the current page."""
    driver.execute_script(AXE.read_text("utf-8"))
    violations: list[dict[str, Any]] = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        window.axe.run(document, {resultTypes: ['violations']})
          .then(r => done(r.violations.map(v => ({
              id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))))
          .catch(e => done([{id: 'axe-fejl', impact: 'critical', help: String(e), nodes: []}]));
        """
    )
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def skaermbillede(driver: WebDriver, rolle: str, side: str) -> Path:
    """The whole page as `.state/artifacts/arbejdsrum-<rolle>-<side>.png`."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(1280, max(800, min(height + 40, 6000)))
    path = ARTIFACTS / f"arbejdsrum-{rolle}-{side}.png"
    assert driver.save_screenshot(str(path)), "no screenshot"
    driver.set_window_size(1280, 1000)
    return path


def cookie_klient(m: Miljoe, person: Person) -> httpx.Client:
    """An HTTP client carrying the browser's workspace session (to see status codes)."""
    cookies = {c["name"]: c["value"] for c in person.driver.get_cookies()}
    return httpx.Client(base_url=m.base, cookies=cookies, timeout=30, follow_redirects=False)
