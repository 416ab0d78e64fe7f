# armtcg: set up, build, demo, test.  Every target installs what it needs
# (idempotently: apt and pip are only called for what is missing).
PYTHON ?= python3
APT_PKGS = gcc-arm-none-eabi qemu-system-arm gdb-multiarch
PIP_PKGS = cython llvmlite pyelftools capstone rich pylibfdt pytest pytest-benchmark pytest-xdist unicorn vmlinux-to-elf
PYTEST_ARGS ?=

.PHONY: all deps build demo test test-fast test-heavy bench clean

all: build

deps:
	@missing=""; \
	command -v arm-none-eabi-gcc >/dev/null || missing="$$missing gcc-arm-none-eabi"; \
	command -v qemu-system-arm >/dev/null || missing="$$missing qemu-system-arm"; \
	command -v gdb-multiarch >/dev/null || missing="$$missing gdb-multiarch"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@$(PYTHON) -c "import Cython, llvmlite, elftools, capstone, rich, libfdt, pytest, pytest_benchmark, xdist, unicorn, vmlinux_to_elf" 2>/dev/null \
	  || $(PYTHON) -m pip install -q $(PIP_PKGS)

build: deps
	$(PYTHON) setup.py -q build_ext --inplace -j 2
	@$(PYTHON) -m pip install -q --no-build-isolation --no-deps -e . >/dev/null 2>&1 \
	  || echo "note: could not install the armtcg console script; use '$(PYTHON) -m tcg.cli'"

# Build a bundled guest (tests/guest/printf.c) and run it on the virt board.
DEMO_GUEST ?= printf
demo: build
	@elf=$$($(PYTHON) -c "from tests.guestlib import build_guest; print(build_guest('$(DEMO_GUEST)'))") && \
	echo "+ armtcg run -M virt -m 128M -nographic -kernel $$elf" && \
	$(PYTHON) -m tcg.cli run -M virt -m 128M -nographic -kernel $$elf

# The whole suite, as CI runs it (system tests included; runs marked
# `heavy`, longer than CI's budget, are left to test-heavy).
test: build
	$(PYTHON) -m pytest -n 2 -q -m "not heavy" $(PYTEST_ARGS) tests

test-heavy: build
	$(PYTHON) -m pytest -n 2 -q -m heavy $(PYTEST_ARGS) tests

# Skip the slow system tests (for a quick local loop).
test-fast: build
	$(PYTHON) -m pytest -n 2 -q -m "not slow and not heavy" $(PYTEST_ARGS) tests

bench: build
	$(PYTHON) -m pytest -q bench --benchmark-only

clean:
	rm -rf build runtime/*.so tcg/*.so runtime/core.c tcg/interp.c tcg/opcodes.pxi tests/guest/build
