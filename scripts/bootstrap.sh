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
# The documents (WeasyPrint → PDF/A) need Pango, HarfBuzz's subsetter and a font to embed; the
# document tests read PDFs back and the layout is checked by rendering pages with pdftoppm.
need_pkgs=()
ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || need_pkgs+=(libpango-1.0-0 libpangoft2-1.0-0)
ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so' || need_pkgs+=(libharfbuzz-subset0)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_pkgs+=(fonts-dejavu-core)
command -v pdftoppm >/dev/null 2>&1 || need_pkgs+=(poppler-utils)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need_pkgs[@]}" >/dev/null
  else
    echo "missing Debian packages for the documents: ${need_pkgs[*]} (apt-get install them)" >&2; exit 1
  fi
fi
uv sync --frozen --quiet
