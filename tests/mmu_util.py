"""Turn on the MMU with a flat 1:1 map of Normal memory, for tests.

With the MMU off every data access is Strongly-ordered and unaligned
accesses fault (ARM ARM A3.2.1, B3.2.1); tests that compare unaligned
accesses with unicorn (which, like QEMU before 9.0, does not model that)
run under this map instead, where the architecture allows them.
"""

import struct

L1_SIZE = 0x4000   # 4096 section entries, 16 KiB aligned

# section: TEX=001 C=1 B=1 (Normal, write-back), AP=011 (full access), domain 0
NORMAL_RW = (0b001 << 12) | (0b11 << 10) | (1 << 3) | (1 << 2) | 0b10


def flat_normal_memory(emu, table):
    """Map the whole 4 GiB 1:1 as Normal memory using an L1 table at
    `table` (16 KiB aligned, in RAM the caller mapped), and enable the MMU."""
    assert table % L1_SIZE == 0
    emu.mem_write(table, b"".join(struct.pack("<I", (i << 20) | NORMAL_RW) for i in range(4096)))
    emu.reg_write("ttbr0_lo", table)
    emu.reg_write("ttbcr", 0)
    emu.reg_write("dacr", 1)                 # domain 0: client
    emu.reg_write("sctlr", emu.reg_read("sctlr") | 1)
