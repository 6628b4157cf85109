PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export MLFLOW_SKIP_PIP_REQUIREMENTS_CHECK := true

.PHONY: venv run test lint train bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/nianbao extract examples/*.txt -o out/examples --summary

# Debian's chromium for the browser test (tests/test_review_browser.py); never `playwright install`.
# A Chinese font so that pages Chromium prints to PDF (tests/test_pdf_tables.py) carry real glyphs.
.PHONY: browser
browser:
	command -v chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)
	fc-list :lang=zh | grep -q . || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-wqy-zenhei)

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) out
