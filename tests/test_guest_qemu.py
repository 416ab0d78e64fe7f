"""Guest programs on QEMU: checks the programs and their expected outputs.

QEMU is the reference here: if these fail, the guest sources, the
toolchain flags or the expected outputs are wrong, not our emulator."""
import pytest

import guestlib

pytestmark = [pytest.mark.slow, pytest.mark.qemu, pytest.mark.skipif(
    not guestlib.have_qemu(), reason=f"{guestlib.QEMU} is not installed (apt install qemu-system-arm)")]

QEMU_TIMEOUT = 60


def check_on_qemu(name, iters=None, thumb=False):
    elf = guestlib.build_guest(name, iters, thumb=thumb)
    want = guestlib.expected_output(name, iters)
    got, status = guestlib.run_qemu(elf, QEMU_TIMEOUT)
    assert status is not None, f"{name}: no PSCI power-off within {QEMU_TIMEOUT}s; output:\n{got[-2000:]!r}"
    assert got == want, f"{name}: output differs from expected:\n" + guestlib.output_diff(got, want)
    assert status == 0


@pytest.mark.parametrize("name", guestlib.GUESTS)
def test_guest_on_qemu(name):
    check_on_qemu(name)


@pytest.mark.parametrize("name", guestlib.THUMB_GUESTS)
def test_thumb_guest_on_qemu(name):
    """The -mthumb builds print what the native build prints on QEMU too."""
    check_on_qemu(name, thumb=True)


def test_thumb_build_is_thumb_code():
    """guestlib.check_thumb_main accepts the -mthumb build and rejects the
    ARM one (main at an even address)."""
    guestlib.check_thumb_main(guestlib.build_guest("sieve", thumb=True))
    with pytest.raises(RuntimeError, match="not Thumb"):
        guestlib.check_thumb_main(guestlib.build_guest("sieve"))


@pytest.mark.parametrize("name", ["crc32", "arith64", "calls", "memcpy", "smc"])
def test_guest_iters_variant_on_qemu(name):
    """-DITERS builds (the benchmark's N and 2N variants) stay correct."""
    check_on_qemu(name, iters=3)


def test_expected_output_is_not_trivial():
    """Each native output is a real report, and ITERS changes it."""
    for name in guestlib.GUESTS:
        assert len(guestlib.expected_output(name).splitlines()) >= 5, name
    assert guestlib.native_output("sieve", 2) != guestlib.native_output("sieve", 3)
