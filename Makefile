# Every target is a thin wrapper around scripts/: the scripts install what is missing.
# Extra pytest arguments: make test ARGS='-k stream -x'
# The suite runs on TEST_WORKERS processes (pytest-xdist): most of a test's time is spent
# waiting on servers, browsers and timers, so two workers nearly halve it on two cores.
# A module's tests stay on one worker (--dist loadscope), so each module-scoped server
# starts once. TEST_WORKERS=0 runs in this process (pdb, -s).
TEST_WORKERS ?= 2
XDIST = $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadscope)
.PHONY: run test test-fast test-unit lint format bench clean

run:
	scripts/run.sh

test:
	scripts/test.sh $(XDIST) $(ARGS)

# The pure-logic tests only: seconds, for the edit-run loop.
test-unit:
	scripts/test.sh tests/unit $(ARGS)

# Unit and integration tests without the browser and the long ones.
test-fast:
	scripts/test.sh $(XDIST) -m "not e2e and not slow" --ignore=tests/e2e $(ARGS)

lint:
	scripts/test.sh --lint-only

format:
	scripts/bootstrap.sh -- ruff format .
	scripts/bootstrap.sh -- ruff check --fix .

bench:
	@if [ -e bench/__main__.py ]; then scripts/bootstrap.sh --test -- python -m bench $(ARGS); \
	else echo "no benchmarks yet (bench/__main__.py)"; fi

# Build output and caches only: keeps .venv/.tools (slow to rebuild), the database and
# .nc_secrets.json (the generated secret key and first admin password).
clean:
	rm -rf .web .states .pytest_cache .ruff_cache test-artifacts bench/results/tmp
	find . -path ./.venv -prune -o -path ./.tools -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
