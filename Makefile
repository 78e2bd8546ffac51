VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test integration lint bench fuzz

setup:
	ci/setup.sh

# Set up, then scan the bundled examples and show the verified fixes as a diff (no file changes).
demo: setup
	-$(BIN)/kfix scan examples/
	-$(BIN)/kfix fix examples/
	-$(BIN)/kfix scan --gatekeeper examples/gatekeeper examples/
	-$(BIN)/kfix fix --gatekeeper examples/gatekeeper examples/
	-$(BIN)/kfix verify fixtures/gatekeeper

# Set up, then lint, type-check, check the README's generated CLI reference, run the tests.
test: setup
	$(BIN)/ruff check kfix tests benchmarks
	$(BIN)/mypy
	$(BIN)/cog --check README.md
	$(BIN)/pytest

# Set up, then the slow checks of the integrations (ci/): pip, pipx and uv installs of the
# wheel in fresh environments, the pre-commit hooks, the CI files' schemas, hadolint. Needs PyPI.
integration: setup
	KFIX_VENV=$(VENV) ci/check-integrations.sh

# Set up, then run only the property tests, at 250,000 new random examples (hypothesis
# profile `fuzz`; a failing example is kept in .hypothesis/ and tried first next time).
fuzz: setup
	KFIX_HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -p no:cacheprovider --hypothesis-show-statistics \
		tests/load/test_properties.py tests/writer/test_properties.py

bench: setup
	$(BIN)/python benchmarks/scan_corpus.py
	$(BIN)/python benchmarks/fix_corpus.py
