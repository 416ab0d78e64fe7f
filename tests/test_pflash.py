"""CFI flash (Intel command set): query table, identifier, status, erase,
program, buffered program, backing files, mapping.

Expected values cite the CFI specification (JEDEC JESD68-01), Intel's
command set (3 Volt Intel StrataFlash Memory datasheet, "Command
Definitions" / "Status Register") and QEMU 7.2's virt flash geometry
(hw/arm/virt.c virt_flash_create1: 256 KiB sectors, width 4, device-width
2, id 0x89/0x18) where QEMU fixes a choice.
"""

import shutil

import pytest

import guestlib
from runtime.devices import pflash
from runtime.devices.pflash import PFlash, FlashError

SECTOR = 256 << 10


def cmd(c):
    return c * 0x00010001          # the same command to both 16-bit chips


@pytest.fixture
def flash():
    return PFlash()


def query(f, index):
    return f.read(index << 2, 4)   # CFI addresses are chip-word addresses


# ---- query and identifier -------------------------------------------------------

def test_cfi_query_table(flash):
    flash.write(0x55 << 2, 4, cmd(0x98))
    # JESD68-01 table 1: "QRY" at 0x10-0x12, from each chip of the bank
    assert [query(flash, i) for i in (0x10, 0x11, 0x12)] == [cmd(0x51), cmd(0x52), cmd(0x59)]
    assert query(flash, 0x13) == cmd(0x01)       # JEP137 id 1: Intel/Sharp extended
    assert query(flash, 0x15) == cmd(0x31)       # primary extended table at 0x31
    # JESD68-01 table 4 geometry, per chip: 2^25 = 32 MiB (two make the 64 MiB bank)
    assert query(flash, 0x27) == cmd(25)
    assert query(flash, 0x2A) == cmd(0x0B)       # write buffer 2^11 bytes
    assert query(flash, 0x2C) == cmd(1)          # one erase block region
    # region: 0x2D-0x2E blocks-1 = 255, 0x2F-0x30 size/256 = 0x200 (128 KiB a chip)
    assert [query(flash, i) for i in range(0x2D, 0x31)] == [cmd(0xFF), 0, 0, cmd(2)]
    assert [query(flash, i) for i in (0x31, 0x32, 0x33)] == [cmd(0x50), cmd(0x52), cmd(0x49)]
    assert query(flash, 0x60) == 0               # past the table
    assert flash.read(0x10 << 2, 2) == 0x51      # narrow reads see the low chip
    assert not flash.romd


def test_query_mode_left_only_by_read_array(flash):
    flash.write(0, 4, cmd(0x98))
    flash.write(0, 4, cmd(0xF0))                 # QEMU pflash_cfi01: stays in query mode
    assert query(flash, 0x10) == cmd(0x51)
    flash.write(0, 4, cmd(0xFF))                 # Intel: 0xFF = read array
    assert flash.read(0x40, 4) == 0 and flash.romd


def test_identifier(flash):
    flash.write(0, 4, cmd(0x90))
    assert flash.read(0, 4) == cmd(0x89)         # Intel manufacturer code
    assert flash.read(4, 4) == cmd(0x18)         # device code virt sets (id1)
    assert flash.read(SECTOR + 8, 4) == 0        # block lock status: unlocked


def test_status_and_clear(flash):
    flash.write(0, 4, cmd(0x70))
    assert flash.read(0, 4) == cmd(0x80)         # SR.7 WSMS: ready
    flash.readonly = True
    flash.write(0, 4, cmd(0x40))
    flash.write(0, 4, 0)
    assert flash.read(0, 4) == cmd(0x90)         # SR.4 program error + ready
    flash.write(0, 4, cmd(0x50))                 # Intel: clear status clears SR.5/4/3/1
    flash.write(0, 4, cmd(0x70))
    # the ready bit reflects the WSM and stays (QEMU 7.2 reads 0 here, which
    # would mean "busy" to a driver that polled it)
    assert flash.read(0, 4) == cmd(0x80)


# ---- erase and program ------------------------------------------------------------

def test_block_erase_on_confirm(flash):
    flash.write(SECTOR + 0x123, 4, cmd(0x20))
    assert flash.read(SECTOR, 4) == cmd(0x80)    # status while waiting for 0xD0
    assert flash.storage[SECTOR] == 0            # Intel: nothing happens before confirm
    flash.write(SECTOR, 4, cmd(0xD0))
    flash.write(0, 4, cmd(0xFF))
    assert flash.read(SECTOR, 4) == 0xFFFFFFFF
    assert flash.read(2 * SECTOR - 4, 4) == 0xFFFFFFFF
    assert flash.read(SECTOR - 4, 4) == 0 and flash.read(2 * SECTOR, 4) == 0


def test_block_erase_cancelled(flash):
    flash.write(0, 4, cmd(0x20))
    flash.write(0, 4, cmd(0xFF))                 # not 0xD0: no erase, array mode
    # (QEMU 7.2 erases at the 0x20 already: it reads ffffffff here -- wrong
    # by Intel's command definitions, and no guest cancels an erase)
    assert flash.read(0, 4) == 0 and flash.romd


def test_word_program(flash):
    flash.write(0x10, 4, cmd(0x40))
    flash.write(0x10, 4, 0xCAFEF00D)
    assert flash.read(0, 4) == cmd(0x80)         # reads give status after a program
    flash.write(0, 4, cmd(0xFF))
    assert flash.read(0x10, 4) == 0xCAFEF00D
    flash.write(0x20, 4, cmd(0x10))              # 0x10 is the alternate program command
    flash.write(0x22, 2, 0xBEEF)
    flash.write(0, 4, cmd(0xFF))
    assert flash.read(0x20, 4) == 0xBEEF0000


def test_buffered_program(flash):
    base = 0x400
    flash.write(base, 4, cmd(0xE8))
    assert flash.read(base, 4) & cmd(0x80) == cmd(0x80)   # XSR.7: buffer available
    flash.write(base, 4, cmd(3))                 # word count - 1, per chip
    for i in range(4):
        flash.write(base + 4 * i, 4, 0x11111111 * (i + 1))
    assert flash.storage[base] == 0              # Intel: programmed only on confirm
    flash.write(base, 4, cmd(0xD0))
    flash.write(0, 4, cmd(0xFF))
    assert [flash.read(base + 4 * i, 4) for i in range(5)] == \
        [0x11111111, 0x22222222, 0x33333333, 0x44444444, 0]


def test_buffered_program_aborted(flash):
    flash.write(0, 4, cmd(0xE8))
    flash.write(0, 4, cmd(0))
    flash.write(0, 4, 0x55555555)
    flash.write(0, 4, cmd(0xFF))                 # not 0xD0: dropped
    assert flash.read(0, 4) == 0 and flash.romd


def test_buffered_program_count_beyond_buffer(flash):
    flash.write(0, 4, cmd(0xE8))
    flash.write(0, 4, cmd(1024))                 # 1025 words: the buffer holds 1024 a chip
    flash.write(0, 4, cmd(0x70))
    assert flash.read(0, 4) == cmd(0xB0)         # SR.5 + SR.4: improper command sequence


def test_lock_commands_are_accepted(flash):
    flash.write(0, 4, cmd(0x60))
    flash.write(0, 4, cmd(0x01))                 # lock: QEMU does not enforce it
    assert flash.read(0, 4) == cmd(0x80)
    flash.write(0, 4, cmd(0x60))
    flash.write(0, 4, cmd(0xD0))                 # unlock
    flash.write(0, 4, cmd(0x40))
    flash.write(0, 4, 7)
    flash.write(0, 4, cmd(0xFF))
    assert flash.read(0, 4) == 7


def test_unknown_command_returns_to_array(flash):
    flash.storage[0:4] = b"\x01\x02\x03\x04"
    flash.write(0, 4, cmd(0x42))
    assert flash.read(0, 4) == 0x04030201 and flash.romd


def test_romd_hook_and_reset(flash):
    seen = []
    flash.on_romd = seen.append
    flash.write(0, 4, cmd(0x90))
    flash.write(0, 4, cmd(0xFF))
    assert seen == [False, True]
    flash.write(0, 4, cmd(0x70))
    flash.reset()                                # QEMU system reset: read array, ready
    assert seen == [False, True, False, True] and flash.status == 0x80


# ---- files ------------------------------------------------------------------------

def test_bios_loads_at_start_rest_zero(tmp_path, flash):
    bios = tmp_path / "u-boot.bin"
    bios.write_bytes(b"\xAA" * 10)
    pflash.load_bios(flash, str(bios))
    assert flash.read(0, 4) == 0xAAAAAAAA and flash.read(8, 4) == 0x0000AAAA
    big = tmp_path / "big.bin"
    big.write_bytes(b"")
    with open(big, "r+b") as f:
        f.truncate(pflash.BANK_SIZE + 1)
    with pytest.raises(FlashError, match="larger than"):
        pflash.load_bios(flash, str(big))
    with pytest.raises(FlashError, match="cannot read"):
        pflash.load_bios(flash, str(tmp_path / "missing"))


def test_drive_written_back(tmp_path):
    img = tmp_path / "vars.img"
    with open(img, "wb") as f:
        f.truncate(pflash.BANK_SIZE)
    f = PFlash()
    pflash.open_drive(f, str(img))
    f.write(SECTOR, 4, cmd(0x20))
    f.write(SECTOR, 4, cmd(0xD0))
    f.write(SECTOR + 4, 4, cmd(0x40))
    f.write(SECTOR + 4, 4, 0x01020304)
    f.flush()
    with open(img, "rb") as g:
        g.seek(SECTOR)
        assert g.read(8) == b"\xff\xff\xff\xff\x04\x03\x02\x01"
    f.close()


def test_readonly_drive_keeps_file(tmp_path):
    img = tmp_path / "ro.img"
    with open(img, "wb") as f:
        f.truncate(pflash.BANK_SIZE)
    f = PFlash()
    pflash.open_drive(f, str(img), readonly=True)
    f.write(0, 4, cmd(0x20))
    f.write(0, 4, cmd(0xD0))
    assert f.read(0, 4) == cmd(0xA0)             # SR.5 erase error + ready
    assert open(img, "rb").read(4) == b"\0\0\0\0"


def test_drive_of_wrong_size(tmp_path):
    img = tmp_path / "small.img"
    img.write_bytes(b"x" * 100)
    with pytest.raises(FlashError, match="exactly"):  # QEMU: device requires 67108864 bytes
        pflash.open_drive(PFlash(), str(img))


# ---- on the bus -------------------------------------------------------------------

PFLASH_EXPECTED = (
    b"array: 0\n"                                 # no drive: zero-filled (QEMU)
    b"qry: 510051 520052 590059\n"                # JESD68-01: "QRY" from both chips
    b"cmdset: 10001 ext: 310031\n"
    b"size: 190019 buf: b000b regions: 10001\n"   # 32 MiB chips, 2 KiB buffers, 1 region
    b"region1: ff00ff 0 0 20002\n"                # 256 blocks of 128 KiB a chip
    b"pri: 500050 520052 490049\n"
    b"narrow: 51 52\n"
    b"after f0: 510051\n"                         # QEMU: only 0xFF leaves query mode
    b"array again: 0\n"
    b"ident: 890089 180018 lock: 0\n"             # Intel 0x89, device 0x18, unlocked
    b"erase status: 800080\n"                     # SR.7 ready, no error bits
    b"erased: ffffffff ffffffff 0\n"              # exactly one 256 KiB sector erased
    b"program status: 800080\n"
    b"programmed: 12345678 ffffffff\n"
    b"xsr: 800080\n"
    b"buffer status: 800080\n"
    b"buffered: a0000000 a0000001 a0000002 a0000003 ffffffff\n")

needs_gcc = pytest.mark.skipif(shutil.which(guestlib.CROSS + "gcc") is None,
                               reason="no arm-none-eabi-gcc")


@needs_gcc
def test_guest_flash_commands():
    from runtime import chardev
    from tcg.emulator import virt_emulator
    out = chardev.BufferBackend()
    emu = virt_emulator(128 << 20, uart_out=out)
    emu.board.load(str(guestlib.build_sysguest("dev_pflash")))
    reason = emu.board.run(50_000_000)
    assert reason.kind == "shutdown", (reason, bytes(out.output))
    assert bytes(out.output) == PFLASH_EXPECTED


@needs_gcc
def test_code_runs_from_rom_mapped_flash(tmp_path):
    """-bios: the bank is host memory, so the CPU executes from it."""
    from tests.asm import assemble
    from tcg.emulator import virt_emulator
    code = assemble("mov r0, #42\nmov r1, #7\nadd r2, r0, r1\nb .\n")
    bios = tmp_path / "bios.bin"
    bios.write_bytes(code)
    emu = virt_emulator(128 << 20, uart_out=None, board={"bios": str(bios)})
    emu.reg_write("pc", 0)
    emu.run(3)
    assert emu.reg_read("r2") == 49


def test_fallback_mapping_choice(tmp_path):
    """Without ROM-device regions: code banks as ROM, others as MMIO."""
    class Emu:
        def __init__(self):
            self.cpu, self.maps = object(), []

        def map_ram(self, base, size, readonly=False):
            self.maps.append(("ram", base, readonly))
            return bytearray(size)

        def map_mmio(self, base, size, device=None):
            self.maps.append(("mmio", base, device))
    emu = Emu()
    code = PFlash(size=SECTOR)
    code.storage[0] = 0xEA
    pflash.map_pflash(emu, 0, code)
    empty = PFlash(size=SECTOR)
    pflash.map_pflash(emu, 0x04000000, empty)
    img = tmp_path / "vars.img"
    img.write_bytes(b"\x01" * SECTOR)
    vars_ = PFlash(size=SECTOR)
    pflash.open_drive(vars_, str(img))
    pflash.map_pflash(emu, 0x08000000, vars_)
    assert emu.maps == [("ram", 0, True), ("mmio", 0x04000000, empty),
                        ("mmio", 0x08000000, vars_)]
    assert code.storage[0] == 0xEA               # contents moved into the mapped buffer
    vars_.close()


@pytest.mark.qemu
@needs_gcc
@pytest.mark.skipif(not guestlib.have_qemu(), reason="qemu-system-arm is not installed")
def test_guest_flash_commands_on_qemu():
    out, status = guestlib.run_qemu(guestlib.build_sysguest("dev_pflash"))
    assert out == PFLASH_EXPECTED and status == 0


@needs_gcc
def test_rom_device_mapping_runs_code_and_takes_commands(tmp_path):
    """With the core's ROM-device regions (cpu.map_romd/set_romd): code runs
    from the bank in read-array mode and the same bank answers a CFI query."""
    from tests.asm import assemble
    from tcg.emulator import virt_emulator
    bios = tmp_path / "code.bin"
    bios.write_bytes(assemble("mov r4, #49\nbx lr\n"))
    emu = virt_emulator(128 << 20, uart_out=None, board={"bios": str(bios)})
    f = emu.board.flash[0]
    main = assemble("""
        mov r1, #0
        ldr r0, =0x00980098
        str r0, [r1]            @ CFI query
        ldr r2, [r1, #0x40]     @ "Q" from both chips
        ldr r0, =0x00ff00ff
        str r0, [r1]            @ read array
        ldr r3, [r1]            @ the first instruction word again
        blx r1                  @ run from flash
        b .
    """)
    emu.mem_write(0x40000000, main)
    emu.reg_write("pc", 0x40000000)
    emu.run(12)
    assert emu.reg_read("r2") == 0x00510051      # JESD68-01: "Q" at 0x10
    assert emu.reg_read("r3") == int.from_bytes(bios.read_bytes()[:4], "little")
    assert emu.reg_read("r4") == 49 and f.romd


@pytest.mark.parametrize("spec,want", [
    ("if=pflash,format=raw,file=vars.img,unit=1", (1, "vars.img", False)),
    ("if=pflash,format=raw,file=code.img,unit=0,readonly=on", (0, "code.img", True)),
    ("if=pflash,file=a,,b.img", (None, "a,b.img", False)),   # QEMU: ',,' is a comma
    ("if=virtio,file=disk.img", None),
])
def test_parse_drive(spec, want):
    assert pflash.parse_drive(spec) == want


@pytest.mark.parametrize("spec", [
    "if=pflash,format=qcow2,file=x", "if=pflash,format=raw", "if=pflash,file=x,unit=2",
    "if=pflash,file=x,cache=none", "if=pflash,file=x,readonly=maybe", "if=pflash,junk",
])
def test_parse_drive_rejects(spec):
    with pytest.raises(FlashError):
        pflash.parse_drive(spec)
