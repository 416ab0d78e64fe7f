"""PL061 GPIO: the GPIODATA address mask, direction, interrupt detection,
the virt power key.

Expected values cite the PL061 TRM (ARM DDI 0190B) or QEMU 7.2's
hw/gpio/pl061.c / hw/gpio/gpio_key.c where the model follows them.
"""

import re
import shutil
import subprocess

import pytest

import guestlib
from runtime.devices import pl061
from runtime.devices.pl061 import PL061


class Clock:
    ns = 0

    def __call__(self):
        return self.ns


@pytest.fixture
def gpio():
    clock = Clock()
    g = PL061(clock)
    levels = []
    g.intr.connect(levels.append)
    return g, clock, levels


def data(mask):
    return mask << 2                      # TRM 3.3.1: PADDR[9:2] is the mask


def test_reset_and_ids(gpio):
    g, _, _ = gpio
    for reg in (pl061.GPIODIR, pl061.GPIOIS, pl061.GPIOIBE, pl061.GPIOIEV, pl061.GPIOIE,
                pl061.GPIORIS, pl061.GPIOMIS, pl061.GPIOAFSEL):
        assert g.read(reg, 4) == 0        # TRM table 3-1 reset values
    assert g.read(data(0xFF), 4) == 0
    ids = [g.read(0xFE0 + 4 * i, 4) for i in range(8)]
    assert ids == [0x61, 0x10, 0x04, 0x00, 0x0D, 0xF0, 0x05, 0xB1]   # TRM 3.3.11-12
    assert g.read(0xFD0, 4) == 0 and g.read(0x424, 4) == 0


def test_data_address_mask(gpio):
    g, _, _ = gpio
    g.write(pl061.GPIODIR, 4, 0xFF)
    g.write(data(0xA0), 4, 0xFF)          # TRM 3.3.1: only bits 7 and 5 written
    assert g.read(data(0xFF), 4) == 0xA0
    assert g.read(data(0x20), 4) == 0x20 and g.read(data(0x10), 4) == 0
    g.write(data(0x00), 4, 0)             # mask 0: nothing changes
    assert g.read(data(0xFF), 4) == 0xA0
    assert g.outputs() == 0xA0


def test_inputs_not_written_and_read_through_mask(gpio):
    g, _, _ = gpio
    g.write(pl061.GPIODIR, 4, 0xF0)       # TRM 3.3.2: 1 = output
    g.write(data(0x0F), 4, 0xFF)          # inputs ignore writes
    assert g.read(data(0x0F), 4) == 0
    g.set_input(2, 1)
    assert g.read(data(0xFF), 4) == 0x04 and g.read(data(0x03), 4) == 0
    g.set_input(7, 1)                     # an output: the board cannot drive it
    assert g.read(data(0x80), 4) == 0


def test_byte_register_widths(gpio):
    g, _, _ = gpio
    for reg in (pl061.GPIODIR, pl061.GPIOIS, pl061.GPIOIBE, pl061.GPIOIEV,
                pl061.GPIOIE, pl061.GPIOAFSEL):
        g.write(reg, 4, 0xFFFFFFFF)
        assert g.read(reg, 4) == 0xFF     # 8 pins, 8 bits (TRM 3.3.2-3.3.10)


def test_rising_edge_interrupt(gpio):
    g, _, levels = gpio
    g.write(pl061.GPIOIEV, 4, 0x01)       # TRM 3.3.5: IEV=1 rising edge
    g.write(pl061.GPIOIE, 4, 0x01)
    g.set_input(0, 1)
    assert g.read(pl061.GPIORIS, 4) == 1 and g.read(pl061.GPIOMIS, 4) == 1
    assert levels == [0, 1]
    g.write(pl061.GPIOIC, 4, 1)           # TRM 3.3.9: IC write-1-clears
    assert levels == [0, 1, 0]
    g.set_input(0, 0)                     # falling: not selected
    assert g.read(pl061.GPIORIS, 4) == 0


def test_falling_edge_and_both_edges(gpio):
    g, _, _ = gpio
    g.set_input(1, 1)
    g.set_input(1, 0)                     # IEV=0: falling edge
    assert g.read(pl061.GPIORIS, 4) == 0x02
    g.write(pl061.GPIOIC, 4, 0xFF)
    g.write(pl061.GPIOIBE, 4, 0x04)       # TRM 3.3.4: both edges, IEV ignored
    g.set_input(2, 1)
    assert g.read(pl061.GPIORIS, 4) == 0x04
    g.write(pl061.GPIOIC, 4, 0x04)
    g.set_input(2, 0)
    assert g.read(pl061.GPIORIS, 4) == 0x04


def test_level_interrupt_relatches(gpio):
    g, _, levels = gpio
    g.write(pl061.GPIOIEV, 4, 0x08)       # high level (set first: a low-level
    g.write(pl061.GPIOIS, 4, 0x08)        # match would latch)   TRM 3.3.3: level
    g.write(pl061.GPIOIE, 4, 0x08)
    assert g.read(pl061.GPIORIS, 4) == 0
    g.set_input(3, 1)
    assert g.read(pl061.GPIOMIS, 4) == 0x08
    g.write(pl061.GPIOIC, 4, 0x08)        # still high: latched again (QEMU pl061_update)
    assert g.read(pl061.GPIORIS, 4) == 0x08
    g.set_input(3, 0)
    g.write(pl061.GPIOIC, 4, 0x08)
    assert g.read(pl061.GPIORIS, 4) == 0 and levels[-1] == 0


def test_low_level_interrupt_at_reset_config(gpio):
    g, _, _ = gpio
    g.write(pl061.GPIOIS, 4, 0x01)        # level, IEV=0: low level -- an input at 0
    assert g.read(pl061.GPIORIS, 4) == 0x01


def test_power_key_pulse(gpio):
    g, clock, levels = gpio
    g.write(pl061.GPIOIBE, 4, 0x08)
    g.write(pl061.GPIOIE, 4, 0x08)
    clock.ns = 5000
    g.press_power_key()                   # QEMU virt_powerdown_req -> gpio-key line 3
    assert g.read(data(0x08), 4) == 0x08 and levels == [0, 1]
    assert g.deadline_ns() == 5000 + 100_000_000   # gpio_key.c: 100 ms
    g.write(pl061.GPIOIC, 4, 0x08)
    clock.ns += 99_999_999
    assert g.read(data(0x08), 4) == 0x08
    clock.ns += 1
    assert g.read(data(0x08), 4) == 0     # released: the falling edge interrupts too
    assert g.read(pl061.GPIORIS, 4) == 0x08 and g.deadline_ns() is None


def test_outputs_hook_and_pullups(gpio):
    g, _, _ = gpio
    seen = []
    g.on_output = lambda line, level: seen.append((line, level))
    assert g.outputs() == 0xFF            # QEMU default pullups=0xff: inputs read high
    g.write(pl061.GPIODIR, 4, 0x01)       # line 0 now driven by DATA (0)
    assert seen == [(0, 0)]
    g.write(data(0x01), 4, 1)
    assert seen == [(0, 0), (0, 1)]


# ---- guest: the power key through the bus ------------------------------------------

GPIO_EXPECTED = (b"reset: dir=0 ie=0 ris=0 data=0\n"      # TRM table 3-1
                 b"id: 61 10 4 0 / d f0 5 b1\n"          # TRM 3.3.11-12
                 b"masked: all=a0 b5=20 b4=0\n"          # TRM 3.3.1 address mask
                 b"inputs: 0\n"
                 b"armed: ris=0\n"
                 b"pressed: mis=8\n"                     # rising edge of line 3
                 b"released: mis=8 data=0\n"             # falling edge (IBE)
                 b"cleared: ris=0\n")
LINE = re.compile(rb"(?:reset|id|masked|inputs|armed|pressed|released|cleared): [^\n]*\n")

needs_gcc = pytest.mark.skipif(shutil.which(guestlib.CROSS + "gcc") is None,
                               reason="no arm-none-eabi-gcc")


@needs_gcc
def test_guest_power_key():
    from runtime import chardev
    from runtime.board import build_virt
    out = chardev.BufferBackend()
    emu = build_virt(128 << 20, uart_out=out)
    if any(base == 0x09030000 for base, _, _ in emu.cpu.regions()):
        g = getattr(emu.board, "gpio", None)     # the board's own PL061
        if g is None:
            pytest.skip("the board maps a PL061 but does not name it board.gpio")
    else:
        g = PL061(emu.guest_time_ns)
        emu.map_mmio(0x09030000, pl061.SIZE, device=g)
    emu.board.load(str(guestlib.build_sysguest("dev_gpio")))
    pressed = False
    for _ in range(2000):                 # the key is pressed on this thread, between runs
        reason = emu.board.run(100_000)
        if not pressed and b"ready\n" in out.output:
            g.press_power_key()
            pressed = True
        if reason.kind != "count":
            break
    assert reason.kind == "shutdown", (reason, bytes(out.output))
    assert b"".join(LINE.findall(bytes(out.output))) == GPIO_EXPECTED


@pytest.mark.qemu
@needs_gcc
@pytest.mark.skipif(not guestlib.have_qemu(), reason="qemu-system-arm is not installed")
def test_guest_power_key_on_qemu():
    elf = guestlib.build_sysguest("dev_gpio")
    p = subprocess.Popen([guestlib.QEMU, *guestlib.QEMU_ARGS, "-kernel", str(elf)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = bytearray()
    try:
        while b"ready\n" not in out:
            chunk = p.stdout.read1(256)
            if not chunk:
                break
            out += chunk
        p.stdin.write(b"\x01csystem_powerdown\n")    # the monitor, through mon:stdio
        p.stdin.flush()
        rest, _ = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        rest, _ = p.communicate()
    assert b"".join(LINE.findall(bytes(out) + rest)) == GPIO_EXPECTED
