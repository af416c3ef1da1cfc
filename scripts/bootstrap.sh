#!/usr/bin/env bash
# Installs what the project needs to run on a fresh machine: uv (from PyPI) and the workspace.
# Kafka (through Maven) and PostgreSQL (from Debian's packages) are installed on first use by
# `magt infra up` and by the test fixtures, so this stays quick when they are already there.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v uv >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check uv
fi
for tool in java mvn; do
  command -v "$tool" >/dev/null 2>&1 || { echo "missing: $tool (Java 17 and Maven fetch and run Kafka)" >&2; exit 1; }
done
command -v openssl >/dev/null 2>&1 || { echo "missing: openssl (the S/MIME signature check runs it)" >&2; exit 1; }
uv sync --frozen --quiet
