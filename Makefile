PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export MLFLOW_SKIP_PIP_REQUIREMENTS_CHECK := true

.PHONY: venv run test typecheck lint train bench clean

# torch first (the pinned CPU wheel), then the package with every extra and the test tools
# ('.[dev]' = serve, review, export, train, ray + pytest, ruff, mypy…), at the versions in
# constraints.txt. `make run` needs only the core; it shares the one venv with `make test`.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt torch==2.13.0
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/nianbao extract examples/*.txt -o out/examples --summary

# Debian's chromium for the browser test (tests/test_review_browser.py); never `playwright install`.
# A Chinese font so that pages Chromium prints to PDF (tests/test_pdf_tables.py) carry real glyphs.
# poppler's pdftotext (the most used PDF-to-text command), the w3m text browser and pandoc print
# real reports as users' pipelines do, for tests/test_reading_order.py and tests/test_text_dumps.py;
# tesseract with its Simplified Chinese data reads printed pages back as a scan's OCR does
# (tests/test_printed_pages.py).
.PHONY: browser
browser:
	command -v chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)
	command -v pdftotext || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y poppler-utils)
	command -v w3m || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y w3m)
	command -v pandoc || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y pandoc)
	tesseract --list-langs 2>/dev/null | grep -qx chi_sim || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y tesseract-ocr tesseract-ocr-chi-sim)
	fc-list :lang=zh | grep -q . || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-wqy-zenhei)

# The default run leaves out the tests marked slow (training, notebooks, long benchmarks);
# CI (.ci/run sets CI=true) runs them all.
SELECT := $(if $(filter true,$(CI)),,-m "not slow")

test: $(STAMP) browser typecheck
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q $(SELECT)

# mypy over the modules that carry the output contract (pyproject's [tool.mypy] modules), on
# the package as installed: the four folders linked under build/typecheck/nianbao.
typecheck: $(STAMP)
	rm -rf build/typecheck && mkdir -p build/typecheck/nianbao
	for f in nianbao/*.py; do ln -s ../../../$$f build/typecheck/nianbao/; done
	for d in extraction models training evaluation; do ln -s ../../../$$d build/typecheck/nianbao/$$d; done
	$(BIN)/mypy

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) out build
