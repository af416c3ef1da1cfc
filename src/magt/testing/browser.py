"""Headless Chromium for browser tests: Debian's chromium-driver installed once, file-locked."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

APT_LOCK = Path("/tmp/magt-chromium-apt.lock")  # noqa: S108 - shared by every test process
HEADLESS = ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu")


def _apt(*args: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(  # noqa: S603 - fixed argv, no shell
        ["apt-get", *args],  # noqa: S607 - Debian's apt-get from PATH
        check=True,
        env=env,
        capture_output=True,
        timeout=900,
    )


def installer_chromedriver() -> str:
    """chromedriver from Debian's chromium-driver, installed on first use (file-locked)."""
    APT_LOCK.parent.mkdir(parents=True, exist_ok=True)
    with APT_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if shutil.which("chromedriver") is None:
                try:
                    _apt("install", "-y", "--no-install-recommends", "chromium", "chromium-driver")
                except subprocess.CalledProcessError:
                    _apt("update")
                    _apt("install", "-y", "--no-install-recommends", "chromium", "chromium-driver")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    driver = shutil.which("chromedriver")
    assert driver is not None, "chromedriver was not installed"
    return driver


def chromium(chromedriver: str, options: webdriver.ChromeOptions) -> WebDriver:
    """Headless Chromium with the caller's extra options (window size, language, logging)."""
    for arg in HEADLESS:
        options.add_argument(arg)
    binary = shutil.which("chromium")
    if binary:
        options.binary_location = binary
    return webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
