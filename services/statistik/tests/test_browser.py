"""The dashboard in a real browser: headless Chromium (Debian packages) driven by selenium."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlmodel import Session

from magt.testing.browser import chromium, installer_chromedriver
from magt.testing.tokens import session_issuer
from magt_runtime.auth import Principal
from magt_runtime.db import create_tables, make_engine
from magt_statistik import domain
from magt_statistik import syntetisk as s
from magt_statistik.app import create_app
from magt_statistik.figurer import visning
from magt_statistik.handlers import Aggregering
from magt_statistik.settings import Settings
from magt_statistik.store import Filtre

ARTIFACT = Path(__file__).resolve().parents[3] / ".state" / "artifacts" / "dashboard.png"


@pytest.fixture(scope="session")
def chromedriver() -> str:
    """chromedriver from Debian's chromium-driver, installed on first use (file-locked)."""
    return installer_chromedriver()


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
def served(
    sqlite_url: str, kafka_bootstrap: str, unique: Callable[[str], str]
) -> Iterator[tuple[str, str]]:
    """The real app (create_app, Kafka included) under uvicorn on a free loopback port."""
    settings = Settings(
        database_url=sqlite_url,
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_namespace=unique("t") + ".",
        group_id=unique("magt.statistik"),
        **session_issuer().settings(),
    )
    engine = make_engine(sqlite_url)
    create_tables(engine)
    agg = Aggregering(settings)
    with Session(engine) as session:
        for event in s.stroem(800, seed=21):
            agg.anvend(session, event)
        session.commit()
    engine.dispose()
    sock = _free_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), log_config=None, access_log=False, lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped"
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    token = session_issuer().token(
        Principal(subject="fagkonsulent-1", role="operatoer", organisation="region-midt")
    )
    try:
        yield f"http://127.0.0.1:{port}", token
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def _expected_total(url: str, periode: str) -> str:
    engine = make_engine(url)
    scope = domain.omfang("operatoer", "region-midt")
    assert scope is not None
    with Session(engine) as session:
        v = visning(session, scope, Filtre(periode=domain.periode(periode)))
    engine.dispose()
    return v.total.vist_total


@pytest.mark.e2e
def test_dashboard_in_chromium(chromedriver: str, served: tuple[str, str], sqlite_url: str) -> None:
    base, token = served
    options = webdriver.ChromeOptions()
    options.add_argument("--window-size=1400,2400")
    driver = chromium(chromedriver, options)
    try:
        wait = WebDriverWait(driver, 30)
        # log in through the form: the token travels in a POST body, never in a URL
        driver.get(f"{base}/login")
        driver.find_element(By.ID, "token").send_keys(token)
        driver.find_element(By.ID, "log-ind").click()
        wait.until(lambda d: d.find_elements(By.ID, "total"))
        Select(driver.find_element(By.ID, "periode")).select_by_value("2025")
        driver.find_element(By.ID, "anvend").click()
        wait.until(lambda d: "periode=2025" in d.current_url)
        year_total = driver.find_element(By.ID, "total").text
        assert year_total == _expected_total(sqlite_url, "2025")
        assert int(year_total) > 50
        assert driver.find_element(By.ID, "frist-andel").text.endswith("%")
        # under the platform's CSP: the charts load as images, the stylesheet from its file
        charts = driver.find_elements(By.CSS_SELECTOR, ".diagrammer img")
        assert len(charts) >= 6
        wait.until(
            lambda d: all(
                d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", c)
                for c in charts
            )
        )
        filters = driver.find_element(By.ID, "filtre")
        assert filters.value_of_css_property("display") == "flex"
        cookie = driver.get_cookie("magt_statistik_token")
        assert cookie is not None
        assert (cookie["httpOnly"], cookie["secure"], cookie["sameSite"]) == (True, True, "Strict")

        # the token lives in the cookie: change the period filter and apply
        Select(driver.find_element(By.ID, "periode")).select_by_value("2025-Q1")
        driver.find_element(By.ID, "anvend").click()
        wait.until(lambda d: "periode=2025-Q1" in d.current_url)
        wait.until(lambda d: "1. kvartal 2025" in d.find_element(By.ID, "omfang").text)
        quarter_total = driver.find_element(By.ID, "total").text
        assert quarter_total == _expected_total(sqlite_url, "2025-Q1")
        assert int(quarter_total) < int(year_total)
        assert "token=" not in driver.current_url

        ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(ARTIFACT))
    finally:
        driver.quit()
    assert ARTIFACT.stat().st_size > 10_000
