# datahamn: one profile (release) for everything, so a cold CI run builds RocksDB once.
CARGO ?= cargo
PROFILE := --release
BIN := target/release/datahamn

.PHONY: run build test test-remote engines check fmt clippy conformance clients browser openapi bench bench-api bench-sparql bench-remote bench-replica bench-compression bench-soak bench-formats fuzz clean

## Build, then serve on the embedded store (./var), publishing datasets/ on first start.
run: build
	$(BIN) serve

build:
	$(CARGO) build $(PROFILE) --locked

## Everything CI checks: formatting, lints, unit, golden and integration tests (the store
## contract on the embedded store, oxigraph's server and Virtuoso; the unit tests include the short
## fuzz run: every fuzz target's seeds, crash fixtures and generated inputs), the external suites
## (Schemathesis on the OpenAPI document, ogctests on OGC API Features, pyshacl on the catalogs),
## real clients (GDAL, OWSLib, SPARQLWrapper) and the web interface in headless Chromium.
test: check engines
	INSTA_UPDATE=no DATAHAMN_TEST_BACKENDS=oxigraph,virtuoso $(CARGO) test $(PROFILE) --locked
	$(MAKE) conformance
	$(MAKE) clients
	$(MAKE) browser

## The SPARQL engines the store contract runs on (oxigraph's server in .venv-remote; Virtuoso
## from Debian when root).
engines:
	bash tests/remote/setup.sh

## Only the store contract, on every backend.
test-remote: engines
	DATAHAMN_TEST_BACKENDS=oxigraph,virtuoso $(CARGO) test $(PROFILE) --locked --test integration store::

## openapi-spec-validator, Schemathesis, ogctests and pyshacl against a fresh server (tools in .venv-conformance).
conformance: build
	bash tests/conformance/run.sh

## Real clients against a fresh server: GDAL's OAPIF driver (Debian's gdal-bin), OWSLib's OGC API
## Features client and SPARQLWrapper (installed into .venv-clients), as a pytest suite.
clients: build
	bash tests/clients/run.sh

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

## Coverage-guided fuzzing with AFL++ (afl.rs, stable Rust; not part of `test`): builds the
## harness in fuzz/ (its own target dir, without RocksDB), fuzzes each target in turn on one core
## for FUZZ_SECONDS (or FUZZ_EXECS executions), prints executions, crashes and hangs per target and
## copies crashes into fuzz/crashes/<target>/. ~30 min with the defaults (6 targets × 300 s).
FUZZ_SECONDS ?= 300
FUZZ_EXECS ?=
FUZZ_TARGETS ?=
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_EXECS=$(FUZZ_EXECS) FUZZ_TARGETS="$(FUZZ_TARGETS)" bash fuzz/run.sh

## The ingest benchmark against morph-kgc + oxigraph load (not part of `test`; ~25 min).
bench: build
	bash bench/run.sh

## The REST API load benchmark against Datasette and the oxigraph server (not part of `test`; ~15 min).
bench-api: build
	bash bench/api/run.sh

## SPARQL against the oxigraph server on the stores bench-api builds (not part of `test`; ~5 min).
bench-sparql: build
	bash bench/sparql/run.sh

## datahamn on the embedded store, oxigraph's server and Virtuoso, side by side (not part of `test`; ~5 min).
bench-remote: build engines
	bash bench/remote/run.sh

## A writer and a read replica side by side: throughput, 304 revalidations, how fast a publish
## reaches the replica (not part of `test`; ~3 min; BIG=1 adds the 220,000-item store of bench-api).
bench-replica: build
	bash bench/replica/run.sh

## Compressed against uncompressed answers: wrk on one request without Accept-Encoding, with gzip
## and with br, on a fresh server (not part of `test`; ~1 min).
bench-compression: build
	bash bench/compression/run.sh

## Hostile-traffic soak: 32 readers with and without attackers replaying tests/hostile/, a steward
## publishing every 30 s (not part of `test`; DURATION=10m of attack after BASELINE=2m without).
bench-soak: build
	python3 bench/soak/soak.py

## The same 220,000 rows as CSV, .xlsx and GeoJSON, checked and published side by side (not part
## of `test`; ~10 min).
bench-formats: build
	bash bench/formats/run.sh

clean:
	rm -rf var
