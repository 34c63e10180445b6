# datahamn: one profile (release) for everything, so a cold CI run builds RocksDB once.
CARGO ?= cargo
PROFILE := --release
BIN := target/release/datahamn

.PHONY: run build test check fmt clippy conformance browser openapi bench bench-api bench-sparql clean

## Build, then serve on the embedded store (./var), publishing datasets/ on first start.
run: build
	$(BIN) serve

build:
	$(CARGO) build $(PROFILE) --locked

## Everything CI checks: formatting, lints, unit, golden and integration tests, the external
## suites (Schemathesis on the OpenAPI document, ogctests on OGC API Features, pyshacl on the
## catalogs), and the web interface in headless Chromium.
test: check
	$(CARGO) test $(PROFILE) --locked
	$(MAKE) conformance
	$(MAKE) browser

## Schemathesis and ogctests against a fresh server (tools installed into .venv-conformance).
conformance: build
	bash tests/conformance/run.sh

## The steward's path through the web pages in Debian's headless Chromium (playwright-core);
## screenshots in target/browser/.
browser: build
	bash tests/browser/run.sh

check: fmt clippy

fmt:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy $(PROFILE) --locked --all-targets -- -D warnings

## Regenerate the committed OpenAPI document.
openapi: build
	$(BIN) openapi --output openapi/openapi.json

## The ingest benchmark against morph-kgc + oxigraph load (not part of `test`; ~25 min).
bench: build
	bash bench/run.sh

## The REST API load benchmark against Datasette and the oxigraph server (not part of `test`; ~15 min).
bench-api: build
	bash bench/api/run.sh

## SPARQL against the oxigraph server on the stores bench-api builds (not part of `test`; ~5 min).
bench-sparql: build
	bash bench/sparql/run.sh

clean:
	rm -rf var
