"""Fixtures for the workspace in a real browser: the services and the workspace as processes on the
session's Kafka, PostgreSQL and Keycloak (a realm of the module's own), and headless Chromium.

The shared builder module (`arbejdsrum_miljoe`) is made importable by the test modules here.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

_HER = str(Path(__file__).resolve().parent)
if _HER not in sys.path:
    sys.path.insert(0, _HER)

from arbejdsrum_miljoe import Miljoe, ny_browser, start_miljoe  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402

from magt.infra.keycloak import Keycloak, import_realm  # noqa: E402
from magt.testing.browser import installer_chromedriver  # noqa: E402


@pytest.fixture(scope="session")
def chromedriver() -> str:
    """chromedriver from Debian's chromium-driver, installed on first use (file-locked)."""
    return str(installer_chromedriver())


@pytest.fixture(scope="module")
def miljoe(
    kafka_bootstrap: str,
    pg_admin_url: str,
    keycloak_server: Keycloak,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Miljoe]:
    """Registrering, routing, frister, klager and the workspace, once per module, in a realm of
    the module's own (a unique copy of the repository's realm)."""
    realm = f"ws{uuid.uuid4().hex[:8]}"
    import_realm(keycloak_server, realm)
    root = tmp_path_factory.mktemp("arbejdsrum")
    miljoe = start_miljoe(root, kafka_bootstrap, pg_admin_url, keycloak_server, realm)
    try:
        yield miljoe
    finally:
        miljoe.stop()


@pytest.fixture
def browser(chromedriver: str) -> Iterator[WebDriver]:
    """A fresh headless Chromium (its own cookies: one person per browser)."""
    driver = ny_browser(chromedriver)
    try:
        yield driver
    finally:
        driver.quit()
