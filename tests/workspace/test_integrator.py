"""The integrator's first minute: the README's subscribe command is the one the demo prints."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from magt.stack import KOMMUNE_CONSUMER, subscribe_command

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = re.compile(
    r"^uv run python \S+kommune_consumer\.py --bootstrap (?P<bootstrap>\S+) "
    r"--kommune (?P<kommune>\d{4}) --namespace (?P<namespace>\S+)$",
    re.MULTILINE,
)


def test_the_readme_example_is_what_the_demo_prints() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    examples = list(EXAMPLE.finditer(readme))
    assert len(examples) == 1, "the README shows one subscribe command with --namespace"
    (example,) = examples
    printed = subscribe_command(
        bootstrap=example["bootstrap"], kommune=example["kommune"], namespace=example["namespace"]
    )
    assert printed == example[0]
    assert re.fullmatch(r"demo[0-9a-f]{8}\.", example["namespace"]), "a demo run's namespace"


def test_the_printed_command_runs_the_example_with_flags_it_knows() -> None:
    command = subscribe_command(bootstrap="127.0.0.1:9092", kommune="0851", namespace="demo1.")
    assert (ROOT / KOMMUNE_CONSUMER).is_file()
    helptext = subprocess.run(
        [sys.executable, str(ROOT / KOMMUNE_CONSUMER), "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    flags = re.findall(r"--[a-z-]+", command)
    assert flags == ["--bootstrap", "--kommune", "--namespace"]
    for flag in flags:
        assert flag in helptext, flag
    assert subscribe_command(bootstrap="b:1", kommune="0851") == (
        f"uv run python {KOMMUNE_CONSUMER} --bootstrap b:1 --kommune 0851"
    )
