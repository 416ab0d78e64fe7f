"""Guest programs on armtcg (`python -m tcg.cli run --engine E`), under
every execution engine the build offers (Emulator.ENGINES: "interp", and
"jit" and "auto" once the JIT is there): UART output and exit status must
equal the native build's output (or, for `exceptions`, the hand-written
tests/guest/exceptions.expected) -- the same expectations that
tests/test_guest_qemu.py checks QEMU against."""
import os

import pytest

import guestlib

pytestmark = pytest.mark.slow   # whole guest programs through the CLI

# the interpreter is much slower than QEMU; ARMTCG_GUEST_TIMEOUT overrides
ARMTCG_TIMEOUT = float(os.environ.get("ARMTCG_GUEST_TIMEOUT", "600"))

ENGINES = guestlib.armtcg_engines()


def run_on_armtcg(name, engine, thumb=False):
    elf = guestlib.build_guest(name, thumb=thumb)
    got, status, err = guestlib.run_armtcg(elf, ARMTCG_TIMEOUT, engine=engine)
    stderr_tail = err.decode(errors="replace")[-3000:]
    assert status is not None, (
        f"{name} [{engine}]: no power-off within {ARMTCG_TIMEOUT}s\n"
        f"stdout tail: {got[-1000:]!r}\nstderr tail:\n{stderr_tail}")
    return got, status, stderr_tail


def check_guest_output(name, engine, thumb=False):
    """The guest prints what its native build prints, and powers off with 0."""
    label = name + (" -mthumb" if thumb else "")
    want = guestlib.expected_output(name)
    got, status, stderr_tail = run_on_armtcg(name, engine, thumb=thumb)
    assert got == want, (
        f"{label} [{engine}]: output differs (exit status {status}):\n"
        + guestlib.output_diff(got, want) + f"\nstderr tail:\n{stderr_tail}")
    assert status == 0, f"{label} [{engine}]: exit status {status}\nstderr tail:\n{stderr_tail}"


def check_same_as_qemu(name, engine, thumb=False):
    """The same ELF under qemu-system-arm -M virt -cpu cortex-a15 and under
    armtcg: byte-identical UART output and the same exit status."""
    elf = guestlib.build_guest(name, thumb=thumb)
    theirs, qemu_status = guestlib.run_qemu(elf)
    ours, status, stderr_tail = run_on_armtcg(name, engine, thumb=thumb)
    assert qemu_status == 0
    assert ours == theirs, (f"{'-mthumb ' if thumb else ''}[{engine}]\n"
                            + guestlib.output_diff(ours, theirs))
    assert status == qemu_status, stderr_tail


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", guestlib.GUESTS)
def test_guest_on_armtcg(name, engine):
    check_guest_output(name, engine)


@pytest.mark.qemu
@pytest.mark.skipif(not guestlib.have_qemu(), reason="qemu-system-arm not installed")
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", guestlib.GUESTS)
def test_guest_uart_output_identical_to_qemu(name, engine):
    check_same_as_qemu(name, engine)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", guestlib.THUMB_GUESTS)
def test_thumb_guest_on_armtcg(name, engine):
    """The C code built with -mthumb (T32, 16- and 32-bit encodings, IT
    blocks, TBB/TBH, interworking with the ARM start-up code): the same
    output as the native build, which the ARM build must print too."""
    check_guest_output(name, engine, thumb=True)


@pytest.mark.qemu
@pytest.mark.skipif(not guestlib.have_qemu(), reason="qemu-system-arm not installed")
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", guestlib.THUMB_GUESTS)
def test_thumb_guest_uart_output_identical_to_qemu(name, engine):
    check_same_as_qemu(name, engine, thumb=True)
