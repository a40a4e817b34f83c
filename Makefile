# jixiao — the two commands a newcomer needs are `make run` and `make test`.
CARGO ?= cargo

.PHONY: run test lint sample fixtures bench clean check-cargo shot shot-bench

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

## bench: generate the synthetic corpora if absent (200 and BENCH_FILES workbooks, and
## BENCH_FILES .xls workbooks read by calamine in the reader worker),
## then time the reading floor and jixiao (1 thread, all threads) on each (release build),
## in BENCH_ROUNDS interleaved rounds (default 5), reporting medians
BENCH_FILES ?= 2000
bench: check-cargo
	$(CARGO) build --release --bin jixiao --example floor --example gen_corpus --example bench
	test -d bench/corpus-200 || target/release/examples/gen_corpus 200 bench/corpus-200
	test -d bench/corpus-$(BENCH_FILES) || target/release/examples/gen_corpus $(BENCH_FILES) bench/corpus-$(BENCH_FILES)
	test -d bench/corpus-xls-$(BENCH_FILES) || target/release/examples/gen_corpus $(BENCH_FILES) bench/corpus-xls-$(BENCH_FILES) --xls
	target/release/examples/bench bench/corpus-200 bench/corpus-$(BENCH_FILES) bench/corpus-xls-$(BENCH_FILES)

## shot: render output/report.html (after `make run`) to docs/report.png with
## headless Chromium (Debian: apt-get install chromium fonts-noto-cjk)
CHROMIUM ?= chromium
CHROMIUM_FLAGS = --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync --hide-scrollbars
shot: run
	@command -v $(CHROMIUM) >/dev/null || { echo "$(CHROMIUM) not found: apt-get install chromium fonts-noto-cjk"; exit 1; }
	d=$$(mktemp -d) && $(CHROMIUM) $(CHROMIUM_FLAGS) --user-data-dir=$$d --window-size=1200,2700 \
		--screenshot=$(CURDIR)/docs/report.png file://$(CURDIR)/output/report.html 2>/dev/null; rm -rf $$d

## shot-bench: the report of bench/corpus-$(BENCH_FILES) (after `make bench`): its size, and the
## time Chromium takes to open and draw it beside an empty page's; bench/report.png
shot-bench:
	@command -v $(CHROMIUM) >/dev/null || { echo "$(CHROMIUM) not found: apt-get install chromium fonts-noto-cjk"; exit 1; }
	$(CARGO) build --release --bin jixiao
	rm -rf bench/report-out && target/release/jixiao extract bench/corpus-$(BENCH_FILES) --out bench/report-out --quiet --jobs 1 || test $$? -eq 1
	ls -l bench/report-out/report.html; ls bench/report-out/feedback | wc -l
	echo '<!doctype html><title>empty</title>' > bench/empty.html
	for page in bench/empty.html bench/report-out/report.html; do d=$$(mktemp -d); \
		/usr/bin/time -f "$$page: %e s" $(CHROMIUM) $(CHROMIUM_FLAGS) --user-data-dir=$$d --window-size=1200,2700 \
		--screenshot=$(CURDIR)/bench/report.png file://$(CURDIR)/$$page 2>&1 | grep ' s$$'; rm -rf $$d; done
