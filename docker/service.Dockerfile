# One image recipe for every service and adapter: the workspace is installed once, and the
# PACKAGE build argument picks which member's app the container runs.
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
RUN pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
COPY contracts contracts
COPY libs libs
COPY services services
COPY adapters adapters
COPY src src
COPY infra infra
RUN uv sync --frozen --no-dev
ARG PACKAGE
ENV MAGT_PACKAGE=${PACKAGE}
RUN useradd --system --uid 10001 magt && mkdir -p /data && chown magt /data
USER magt
CMD ["sh", "-c", "exec /app/.venv/bin/python -m magt_runtime.run \"$MAGT_PACKAGE\""]
