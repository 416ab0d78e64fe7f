"""The VFPv4-D32 unit of the Cortex-A15 as data: its ID values, the FPSCR's
writable bits and the VMRS/VMSR system registers (ARM ARM DDI 0406C B6.1).

The state lives in the CPU struct (runtime/include/cpu.h: vfp_d, fpscr,
fpexc); the arithmetic is runtime/include/vfp.h; frontend/a32_vfp.py reads
this table to lift VMRS/VMSR.

Values are QEMU 7.2's cortex-a15 (target/arm/cpu_tcg.c) and the Cortex-A15
TRM (DDI 0438I, 14.3), except MVFR1: no Advanced SIMD is implemented yet,
so its NEON fields (load/store, integer, single precision, half precision)
read 0 and Linux (arch/arm/vfp/vfpmodule.c) sets HWCAP_VFPv4, HWCAP_VFPD32
and HWCAP_HALF but not HWCAP_NEON; NEON encodings are UNDEF, and CPACR.ASEDIS
reads as one (runtime/cp15.py).  With NEON the value is MVFR1_NEON.
"""

from collections import namedtuple

FPSID = 0x410430F0       # ARM, VFPv3+ common subarchitecture v2, part 0x30, variant 0xF
MVFR0 = 0x10110222       # 32 D registers, single+double v3, no traps, div, sqrt,
#                          no short vectors, all rounding modes
MVFR1_NEON = 0x11111111  # the A15's own: FtZ, D_NaN, NEON LS/int/SP/HP, VFP HP, FMAC
MVFR1 = 0x11000011       # FtZ, D_NaN, VFP half precision, fused MAC; no Advanced SIMD

FPEXC_EN = 1 << 30
# FPSCR (B6.1.6): N Z C V, QC, AHP, DN, FZ, RMode, Stride, Len and the
# cumulative flags.  The trap enables IDE/IXE/UFE/OFE/DZE/IOE are RAZ/WI:
# the A15 does not trap floating-point exceptions (MVFR0[15:12] = 0).
FPSCR_WRITABLE = 0xFFF7009F
FPSCR_LEN_STRIDE = 0x00370000

# VMRS/VMSR registers (B6.1.1, Table B6-1), by the "reg" field of the
# encoding.  pl1: only at PL1 (User mode UNDEF); any_en: accessible with
# FPEXC.EN clear (the ones the lazy-enable handler of an OS needs: B1.11.2,
# "the ID registers and FPEXC"); value: a constant read (writes ignored, as
# QEMU); field: a CPU-struct field, written under write_mask, and a write
# ends the block because the TB flags depend on it.
VFPSysReg = namedtuple("VFPSysReg", "name reg pl1 any_en value field write_mask")

VFP_SYSREGS = {r.reg: r for r in [
    VFPSysReg("FPSID", 0, True, True, FPSID, None, 0),
    VFPSysReg("FPSCR", 1, False, False, None, "fpscr", FPSCR_WRITABLE),
    VFPSysReg("MVFR1", 6, True, True, MVFR1, None, 0),
    VFPSysReg("MVFR0", 7, True, True, MVFR0, None, 0),
    VFPSysReg("FPEXC", 8, True, True, None, "fpexc", FPEXC_EN),
    # FPINST/FPINST2 (9, 10) do not exist in VFPv3/v4: UNDEF, as QEMU
]}
