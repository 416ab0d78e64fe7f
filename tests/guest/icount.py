"""Count the guest instructions a guest program executes, using unicorn
(an independent emulator) -- for sizing ITERS defaults and benchmarks.

    python tests/guest/icount.py [name [iters]]      (from the repo root)

Counts whole translated blocks (a block cut short by an exception is
counted in full), so the number is approximate to a fraction of a percent.
Runs until psci_system_off; only the compute kernels (the UART is a stub)."""
import sys
from pathlib import Path

from elftools.elf.elffile import ELFFile
from unicorn import UC_ARCH_ARM, UC_HOOK_BLOCK, UC_MODE_ARM, Uc
from unicorn.arm_const import UC_ARM_REG_CPSR, UC_CPU_ARM_CORTEX_A15

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import guestlib  # noqa: E402

RAM_BASE, RAM_SIZE = 0x40000000, 128 << 20
UART_BASE = 0x09000000


def count_instructions(elf):
    """(instructions executed, UART output) for one ELF."""
    uc = Uc(UC_ARCH_ARM, UC_MODE_ARM)
    uc.ctl_set_cpu_model(UC_CPU_ARM_CORTEX_A15)
    uc.mem_map(RAM_BASE, RAM_SIZE)
    out = bytearray()

    def uart_write(uc, offset, size, value, data):
        if offset == 0:
            out.append(value & 0xFF)

    uc.mmio_map(UART_BASE, 0x1000, lambda uc, off, size, data: 0, None, uart_write, None)
    with open(elf, "rb") as f:
        e = ELFFile(f)
        for seg in e.iter_segments():
            if seg["p_type"] == "PT_LOAD":
                uc.mem_write(seg["p_paddr"], seg.data())
        entry = e["e_entry"]
        power_off = e.get_section_by_name(".symtab").get_symbol_by_name("psci_system_off")[0]
    count = [0]
    uc.hook_add(UC_HOOK_BLOCK, lambda uc, addr, size, data: count.__setitem__(0, count[0] + size // 4))
    uc.reg_write(UC_ARM_REG_CPSR, 0x1D3)
    uc.emu_start(entry, power_off["st_value"])
    return count[0], bytes(out)


def main(argv):
    names = argv[1:2] or [g for g in guestlib.GUESTS if g not in guestlib.HANDWRITTEN]
    iters = int(argv[2]) if len(argv) > 2 else None
    for name in names:
        n, out = count_instructions(guestlib.build_guest(name, iters))
        same = out == guestlib.native_output(name, iters)
        print(f"{name:10} ITERS={iters or 'default':8} {n / 1e6:7.2f} M instructions,"
              f" output {'matches native' if same else 'DIFFERS from native'}")


if __name__ == "__main__":
    main(sys.argv)
