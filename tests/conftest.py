"""Shared pytest options.  (Owned by the "diff" role for now; keep minimal.)"""


def pytest_addoption(parser):
    parser.addoption("--diff-count", type=int, default=None,
                     help="differential test vs unicorn: instructions per class "
                          "(default 5000; env ARMTCG_DIFF_SCALE multiplies the default)")
    parser.addoption("--diff-seed", default=None,
                     help="differential test vs unicorn: random seed (env ARMTCG_DIFF_SEED)")
