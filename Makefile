# jixiao — the two commands a newcomer needs are `make run` and `make test`.
CARGO ?= cargo

.PHONY: run test lint sample fixtures bench clean check-cargo

## run: the main job — the sample pipeline over sample_data/, tables into output/
run: check-cargo
	$(CARGO) run --quiet -- run pipelines/sample.toml

## test: every unit and end-to-end test
test: check-cargo
	$(CARGO) test --lib --tests

## lint: formatting and clippy, as CI runs them
lint: check-cargo
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

## sample: regenerate sample_data/*.xlsx from the seed forms (tests/it/common/seed.rs)
sample: check-cargo
	$(CARGO) run --quiet --example gen_sample -- sample_data

## fixtures: regenerate tests/fixtures (needs python3 + openpyxl, and LibreOffice)
fixtures:
	python3 tests/fixtures/make_fixtures.py

clean:
	rm -rf output target

check-cargo:
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install Rust from https://rustup.rs (1.88 or newer)"; exit 1; }

## bench: generate the synthetic corpora if absent (200 and BENCH_FILES workbooks),
## then time the reading floor and jixiao (1 thread, all threads) on each (release build),
## in BENCH_ROUNDS interleaved rounds (default 5), reporting medians
BENCH_FILES ?= 2000
bench: check-cargo
	$(CARGO) build --release --bin jixiao --example floor --example gen_corpus --example bench
	test -d bench/corpus-200 || target/release/examples/gen_corpus 200 bench/corpus-200
	test -d bench/corpus-$(BENCH_FILES) || target/release/examples/gen_corpus $(BENCH_FILES) bench/corpus-$(BENCH_FILES)
	target/release/examples/bench bench/corpus-200 bench/corpus-$(BENCH_FILES)
