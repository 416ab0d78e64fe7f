"""Guest programs on armtcg (`python -m tcg.cli run`): UART output and exit
status must equal the native build's output (or, for `exceptions`, the
hand-written tests/guest/exceptions.expected) -- the same expectations
that tests/test_guest_qemu.py checks QEMU against."""
import os

import pytest

import guestlib

pytestmark = pytest.mark.slow   # whole guest programs through the CLI

# the interpreter is much slower than QEMU; ARMTCG_GUEST_TIMEOUT overrides
ARMTCG_TIMEOUT = float(os.environ.get("ARMTCG_GUEST_TIMEOUT", "600"))


@pytest.mark.parametrize("name", guestlib.GUESTS)
def test_guest_on_armtcg(name):
    elf = guestlib.build_guest(name)
    want = guestlib.expected_output(name)
    got, status, err = guestlib.run_armtcg(elf, ARMTCG_TIMEOUT)
    stderr_tail = err.decode(errors="replace")[-3000:]
    assert status is not None, (
        f"{name}: no power-off within {ARMTCG_TIMEOUT}s\nstdout tail: {got[-1000:]!r}\n"
        f"stderr tail:\n{stderr_tail}")
    assert got == want, (
        f"{name}: output differs (exit status {status}):\n" + guestlib.output_diff(got, want)
        + f"\nstderr tail:\n{stderr_tail}")
    assert status == 0, f"{name}: exit status {status}\nstderr tail:\n{stderr_tail}"


@pytest.mark.qemu
@pytest.mark.skipif(not guestlib.have_qemu(), reason="qemu-system-arm not installed")
@pytest.mark.parametrize("name", guestlib.GUESTS)
def test_guest_uart_output_identical_to_qemu(name):
    """The same ELF under qemu-system-arm -M virt -cpu cortex-a15 and under
    armtcg: byte-identical UART output and the same exit status."""
    elf = guestlib.build_guest(name)
    theirs, qemu_status = guestlib.run_qemu(elf)
    ours, status, err = guestlib.run_armtcg(elf, ARMTCG_TIMEOUT)
    assert qemu_status == 0
    assert ours == theirs, guestlib.output_diff(ours, theirs)
    assert status == qemu_status, err.decode(errors="replace")[-2000:]
