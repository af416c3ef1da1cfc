# The two commands of the README, and the lint command CI runs with the tests.
.PHONY: demo test lint infra-up infra-down bench

demo:            ## the main job: start the stack, run the scenario, print what happened
	./scripts/bootstrap.sh
	uv run magt demo $(ARGS)

test:            ## every test layer against real Kafka and PostgreSQL (pick one: make test ARGS="-m unit")
	./scripts/bootstrap.sh
	uv run ruff check .
	uv run ruff format --check .
	uv run mypy
	uv run pytest $(ARGS)

lint:
	uv run ruff check . && uv run ruff format --check . && uv run mypy

infra-up:
	uv run magt infra up

infra-down:
	uv run magt infra down

bench:           ## the load benchmark: N incidents through the whole pipeline vs a bare aiokafka loop
	uv run python bench/pipeline.py $(ARGS)
	uv run python bench/capacity.py -n 2000
	uv run python bench/documents.py --seconds 4
