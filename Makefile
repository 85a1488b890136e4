# Porchlight: the two commands a new user needs are `make run` and `make test`.

CARGO ?= cargo
DATA ?= ./porchlight-demo
LISTEN ?= 127.0.0.1:8080

.PHONY: run build release layers test test-browser test-html test-package deb pi check fmt clippy audit torture fuzz-http fuzz fuzz-build bench bench-litestream clean

# Run the appliance on a demo practice (links in every state at once).
run:
	$(CARGO) run --release -- --data $(DATA) serve --listen $(LISTEN) --demo

build:
	$(CARGO) build

release:
	$(CARGO) build --release

# Unit and integration tests, then the browser tests (with axe-core on
# every page), then the Nu Html Checker over the pages and mail the tests
# kept. Test-only tools are fetched on first run: PyJWT into
# target/pyenv, playwright-core, axe-core and vnu-jar by npm.
test:
	bash tests/python/setup
	$(CARGO) test --all-targets
	$(MAKE) test-browser
	$(MAKE) test-html
	$(MAKE) test-package

test-browser:
	bash tests/browser/run

# Needs Java (Debian: default-jre-headless) and the HTML the two steps
# above leave in target/tmp/html-check.
test-html:
	bash tests/browser/validate

# The Debian packages: built, linted, installed, run, removed and purged
# (installing needs root), and the Raspberry Pi build run under qemu.
test-package:
	bash tests/package/run

# The Debian package for this machine, from [package.metadata.deb] in
# Cargo.toml and debian/: target/debian/porchlight_VERSION-1_ARCH.deb.
# cargo-deb is installed on first use.
deb:
	bash scripts/package-tools deb
	$(CARGO) deb --locked

# The same for a 64-bit Raspberry Pi (Raspberry Pi OS Bookworm or newer),
# cross-built here: target/debian/porchlight_VERSION-1_arm64.deb.
# Needs Debian's gcc-aarch64-linux-gnu and libc6-dev-arm64-cross (installed
# when run as root) for the linker and the C in ring and SQLite. Where the
# aarch64 GNU linker cannot pack relocations (Debian 12), LLVM's linker
# from lld-16 links instead. The release profile strips the binary already.
PI_TARGET = aarch64-unknown-linux-gnu
PI_LLD = /usr/lib/llvm-16/bin
pi:
	bash scripts/package-tools pi
	if [ -x $(PI_LLD)/ld.lld ]; then \
	  export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C link-arg=-B$(PI_LLD) -C link-arg=-fuse-ld=lld"; \
	fi; \
	CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
	  CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc \
	  AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar \
	  $(CARGO) build --release --locked --target $(PI_TARGET)
	$(CARGO) deb --locked --no-build --target $(PI_TARGET)

# Before every commit: formatting, lints with warnings denied, the
# layers, the fuzz targets still compiling against the code they call
# (nothing else builds them, and one had silently stopped), tests.
check: fmt clippy layers fuzz-build test

fuzz-build:
	$(CARGO) check --quiet --manifest-path fuzz/Cargo.toml --bins

# Imports only point down the floors of scripts/layers.py's table, no
# floor's modules import each other in a circle, and no file has over 400
# lines of code outside its tests. `cargo test` runs it too (tests/it/
# layers.rs, with a planted breach of each kind), so `make test` and CI do.
layers:
	python3 scripts/layers.py

fmt:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --all-targets -- -D warnings

# Speed and size against this machine's own nginx, as one table (see
# BENCHMARKS.md). QUICK=1: a smoke run of a few seconds per step.
bench:
	python3 scripts/bench.py $(if $(QUICK),--quick)

# What Litestream adds beside a serving Porchlight (WAL, checkpoints, disk
# writes, CPU), at the practice's load and at the load above, with and
# without it (see BENCHMARKS.md). About 20 minutes; QUICK=1: a smoke run.
bench-litestream:
	python3 scripts/litestream-load.py $(if $(QUICK),--quick)

# SIGKILL the server and the command line at random moments, 1000 times;
# nothing acknowledged may be lost (CI runs a few cycles in `make test`).
CYCLES ?= 1000
torture:
	PORCHLIGHT_TORTURE_CYCLES=$(CYCLES) $(CARGO) test --release --test it torture -- --nocapture

# 100k random and malformed requests over raw sockets: no 5xx, no crash
# (CI sends 2000 in `make test`).
fuzz-http:
	PORCHLIGHT_FUZZ_REQUESTS=100000 $(CARGO) test --release --test it fuzz -- --nocapture

# libFuzzer on every parser of untrusted input, FUZZ_SECONDS each.
# Needs cargo-fuzz (installed on first use); the machine's stable Rust
# runs it with RUSTC_BOOTSTRAP, without a sanitizer (the code is safe Rust).
FUZZ_SECONDS ?= 30
FUZZ_TARGETS = code local_time request_head form_query_cookie addresses calendar multipart
fuzz:
	command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	for t in $(FUZZ_TARGETS); do \
	  RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run --sanitizer none $$t -- -max_total_time=$(FUZZ_SECONDS) || exit 1; \
	done

# Cargo.lock against the RustSec advisory database, offline (a local copy;
# ADVISORY_DB=path to use another).
audit:
	python3 scripts/audit-deps.py $(ADVISORY_DB)

clean:
	$(CARGO) clean
	rm -rf $(DATA)
