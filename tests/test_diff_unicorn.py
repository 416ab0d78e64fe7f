"""Differential test of the A32 frontend + engine against unicorn.

Per instruction class (tests/diff/gen.py), random valid sequences of 1-8
instructions with random registers, NZCVQ/GE flags and data window run in
unicorn (an independent QEMU-based emulator, Cortex-A15 model) and in
armtcg; r0-r15, NZCVQ/GE and the data window must agree (tests/diff/harness.py).

Size: --diff-count=N instructions per class (default 5000, ~110k in all),
or ARMTCG_DIFF_SCALE=k for k times the default; seed: --diff-seed or
ARMTCG_DIFF_SEED.  Replay a reported case with
    python -m tests.diff.harness CLASS INDEX SEED
"""

import os

import pytest

from tests.diff import gen, harness

DEFAULT_INSNS_PER_CLASS = 5000


@pytest.fixture(scope="module")
def diff_params(request):
    count = request.config.getoption("--diff-count")
    if count is None:
        count = int(DEFAULT_INSNS_PER_CLASS * float(os.environ.get("ARMTCG_DIFF_SCALE", "1")))
    seed = request.config.getoption("--diff-seed") or os.environ.get(
        "ARMTCG_DIFF_SEED", harness.DEFAULT_SEED)
    return count, seed


@pytest.mark.parametrize("cls", gen.CLASSES)
def test_diff_unicorn(cls, diff_params):
    count, seed = diff_params
    cases = gen.make_cases(seed, cls, count)
    have_armtcg = harness.armtcg_available()
    runners = ("unicorn", "armtcg") if have_armtcg else ("unicorn",)
    for v in harness.ERRATA_STATS.values():
        v[:] = [0, 0]
    reports, bad = harness.run_batch(cases, seed, runners=runners)
    ninsns = sum(c.ninsns for c in cases)
    errata = {k: v for k, v in harness.ERRATA_STATS.items() if v[0]}
    print("%s: %d cases, %d instructions, %d diverged; unicorn errata [ran, mattered]: %s"
          % (cls, len(cases), ninsns, bad, errata))
    assert bad == 0, "%d of %d %s cases diverged (seed %s); first ones:\n\n%s" % (
        bad, len(cases), cls, seed, "\n\n".join(reports))
    if not have_armtcg:
        pytest.skip("tcg.emulator not importable: generator checked on unicorn only")
