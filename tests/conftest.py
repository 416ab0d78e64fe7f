"""Shared pytest options and fixtures: the differential test's seed and
scale, the tool switch, and Debian's kernel for the Linux tests."""

import os
import secrets

import pytest

from tests import linuxlib


def pytest_addoption(parser):
    parser.addoption("--diff-count", type=int, default=None,
                     help="differential test vs unicorn: instructions per class "
                          "(default 5000; env ARMTCG_DIFF_SCALE multiplies the default)")
    parser.addoption("--diff-seed", default=None,
                     help="differential test vs unicorn: random seed (env ARMTCG_DIFF_SEED; "
                          "default: a fresh one per run, printed in the header)")


def pytest_configure(config):
    # One fresh seed per run, chosen by the controlling process before any
    # xdist worker starts (the workers inherit the environment), so every
    # worker generates the same cases and the printed seed replays them.
    seed = config.getoption("--diff-seed")
    if seed:
        os.environ["ARMTCG_DIFF_SEED"] = seed
    elif not os.environ.get("ARMTCG_DIFF_SEED") and not hasattr(config, "workerinput"):
        os.environ["ARMTCG_DIFF_SEED"] = str(secrets.randbelow(1 << 32))


def pytest_report_header(config):
    return "differential seed: ARMTCG_DIFF_SEED=%s" % os.environ.get("ARMTCG_DIFF_SEED")


def pytest_terminal_summary(terminalreporter):
    # also at the end: -q (as CI runs) drops the header
    terminalreporter.write_line("differential seed: ARMTCG_DIFF_SEED=%s (replay with it)"
                                % os.environ.get("ARMTCG_DIFF_SEED"))


# ARMTCG_REQUIRE_TOOLS=1 (set by .ci/run): a test skipped because a tool it
# needs is missing (qemu-system-arm, the cross toolchain, unicorn, the
# compiled extensions) fails instead, so CI cannot pass with checks dropped.
TOOL_SKIP_WORDS = ("qemu", "arm-none-eabi", "unicorn", "toolchain", "not importable",
                   "not installed", "not available", "not found", "capstone", "dtc",
                   "libfdt", "cross", "could not import", "does not import", "not built",
                   "missing", "llvmlite", "no jit")


def _is_tool_skip(reason):
    reason = reason.lower()
    return any(w in reason for w in TOOL_SKIP_WORDS)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if os.environ.get("ARMTCG_REQUIRE_TOOLS") != "1" or not rep.skipped:
        return
    if call.excinfo is None or not call.excinfo.errisinstance(pytest.skip.Exception):
        return
    if isinstance(rep.longrepr, tuple) and _is_tool_skip(str(rep.longrepr[2])):
        rep.outcome = "failed"
        rep.longrepr = ("ARMTCG_REQUIRE_TOOLS=1: a required tool is missing: %s"
                        % rep.longrepr[2])


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    # a module-level pytest.importorskip / skip(allow_module_level) of a tool
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("ARMTCG_REQUIRE_TOOLS") == "1" and report.skipped \
            and isinstance(report.longrepr, tuple) and _is_tool_skip(str(report.longrepr[2])):
        report.outcome = "failed"
        report.longrepr = ("ARMTCG_REQUIRE_TOOLS=1: a required tool is missing: %s"
                           % report.longrepr[2])


# ---- Debian's Linux kernel and a minimal initramfs (tests/linuxlib.py) -------------

@pytest.fixture(scope="module")
def kernel():
    """(vmlinuz, System.map, modules dir, version) of Debian's armmp kernel."""
    try:
        return linuxlib.linux_kernel()
    except linuxlib.Unavailable as e:
        pytest.skip("Debian's archive cannot be used here: %s" % e)


@pytest.fixture(scope="module")
def initrd(tmp_path_factory):
    """tests/linux/init.S as /init, with /dev/console."""
    path = tmp_path_factory.mktemp("initrd") / "initrd.gz"
    path.write_bytes(linuxlib.make_initramfs({
        "init": linuxlib.build_init("init").read_bytes(),
        "dev": None, "dev/console": ("chr", 5, 1)}))
    return path
