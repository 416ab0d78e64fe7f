"""The short-descriptor MMU through the system guest tests/sysguest/mmu_short.c,
on armtcg and on QEMU 7.2, against ARM ARM DDI 0406C:

  B3.5   short-descriptor format (sections, supersections, large/small pages, TTBCR.N/PDx)
  B3.7   access permissions (AP[2:0], SCTLR.AFE with AP[2:1] and the Access flag,
         XN, PXN, domains in DACR)
  B3.8   memory attributes (TEX/C/B, TEX remap with PRRR/NMRR)
  B3.9   ASIDs and global/non-global entries; B3.10 TLB maintenance
  B3.12  fault reporting: Table B3-23 (short-descriptor FSR encodings), with
         DFSR/IFSR = FS[4] (bit 10), Domain (7:4), FS[3:0], WnR (bit 11)
  B4.1.113 PAR, 32-bit format; B4.2.3 ATS1C* operations

Every line the guest prints is "<check> <value>"; a fault prints
"<check> dabt|pabt fsr=<DFSR/IFSR> far=<DFAR/IFAR>".
"""

import pytest

import guestlib

SEC_XLAT, PAGE_XLAT = 0x005, 0x007        # B3-23: translation fault, 1st / 2nd level
SEC_DOM, PAGE_DOM = 0x009, 0x00B          # domain fault
SEC_PERM, PAGE_PERM = 0x00D, 0x00F        # permission fault
SEC_AF, PAGE_AF = 0x003, 0x006            # Access flag fault
ALIGN, EXTERNAL = 0x001, 0x008            # alignment; synchronous external abort
WNR = 0x800                               # DFSR[11]: the access was a write


def dom(d):
    return d << 4                         # DFSR[7:4]


def dabt(fsr, far):
    return "dabt fsr=%03x far=%08x" % (fsr, far)


def pabt(fsr, far):
    # IFSR has no WnR bit; IFAR = the address of the fetch
    return "pabt fsr=%03x far=%08x" % (fsr, far)


def word(v):
    return "%08x" % v


# PAR fault form (B4.1.113): F = 1, FS[4:0] in PAR[5:1]
def par_fault(fs):
    return word((fs & 0xF) << 1 | ((fs >> 4) & 1) << 5 | 1)


NS = 1 << 9       # PAR.NS: no Security Extensions, every access is Non-secure (as on QEMU)


def par_attrs(inner, outer, sh=0, nos=0):
    """PAR[10,7:2]: NOS, SH, Inner[2:0], Outer[1:0] (B4.1.113)."""
    return word(nos << 10 | sh << 7 | inner << 4 | outer << 2)


SO, DEV = 0b001, 0b011                    # PAR.Inner for Strongly-ordered / Device
WBWA, WT, WB = 0b101, 0b110, 0b111        # PAR.Inner for Normal cacheable
O_NC, O_WBWA, O_WT, O_WB = 0, 1, 2, 3     # PAR.Outer

EXPECTED = [
    ("mmu_on", "1"),
    # B3.5.1 section: PA[31:20] | VA[19:0]
    ("section", word(0x11110001)),
    # supersection: PA[31:24] | VA[23:0]
    ("supersection", word(0x22220000)),
    # large page: PA[31:16] | VA[15:0] (16 repeated L2 entries)
    ("large_page", word(0x33330000)),
    ("small_page", word(0x44440000)),
    # B3-23: level 1 translation fault, domain invalid (reported 0)
    ("l1_translation", dabt(SEC_XLAT, 0x83000000)),
    # level 2 translation fault reports the L1 descriptor's domain (1)
    ("l2_translation", dabt(PAGE_XLAT | dom(1), 0x82020004)),
    # B3.7.1 Table B3-8: AP=101 PL1 read-only; AP=001 PL1 only; AP=010 PL0 read-only
    ("ro_read", word(0x11110001)),
    ("ro_write", dabt(SEC_PERM | dom(2) | WNR, 0x80100000)),
    ("priv_read", word(0x11110001)),
    ("priv_read_pl0", dabt(SEC_PERM | dom(2), 0x80200104)),          # LDRT is a PL0 access
    ("pl0ro_read_pl0", word(0x11110001)),
    ("pl0ro_write_pl0", dabt(SEC_PERM | dom(2) | WNR, 0x80300000)),
    ("pl0ro_write_pl1", word(0)),
    # B3.7.3 DACR: 00 no access -> domain fault; 11 manager -> no permission checks
    ("domain_section", dabt(SEC_DOM | dom(3), 0x80400104)),
    ("domain_page", dabt(PAGE_DOM | dom(3), 0x82100020)),
    ("manager_section", word(0x11110001)),
    ("manager_ro_write", word(0)),
    ("manager_ro_readback", word(0x5A5A5A5A)),
    # B3.7.2 XN, PXN (section bit 0; page table descriptor bit 2): permission faults
    ("exec_xn_section", pabt(SEC_PERM, 0x80500000)),
    ("exec_section", word(7)),
    ("exec_pxn_section", pabt(SEC_PERM, 0x80700000)),
    ("exec_pxn_table", pabt(PAGE_PERM, 0x82200000)),
    ("exec_page", word(7)),
    # B3.7.1 SCTLR.AFE = 1: AP[0] = 0 is an Access flag fault; AP[2:1] model (Table B3-9)
    ("af_section", dabt(SEC_AF, 0x80800104)),
    ("af_page", dabt(PAGE_AF | dom(1), 0x82011020)),
    ("afe_00_pl1", word(0x11110001)),                                  # 00: PL1 RW, PL0 none
    ("afe_00_pl0", dabt(SEC_PERM, 0x80900104)),
    ("afe_10_pl1_write", dabt(SEC_PERM | WNR, 0x80A00000)),            # 10: PL1 RO
    ("afe_11_pl0", word(0x11110001)),                                  # 11: RO at both
    ("afe_11_pl0_write", dabt(SEC_PERM | WNR, 0x80B00000)),
    # B3.8.2 Table B3-10 (TRE = 0); unaligned accesses fault on Strongly-ordered
    # and Device memory whatever SCTLR.A says (A3.2.1)
    ("notre_so_unaligned", dabt(ALIGN, 0x80C00101)),                   # TEX 000 C0 B0
    ("notre_wt_unaligned", word(0x01111100)),                          # TEX 000 C1 B0
    ("notre_so_par_attrs", par_attrs(SO, O_NC, sh=1)),                 # SO is Shareable
    ("notre_wt_par_attrs", par_attrs(WT, O_WT)),
    ("notre_dev_par_attrs", par_attrs(DEV, O_NC, sh=1)),               # Shareable Device
    # B3.8.3 TEX remap: n = TEX[0]:C:B selects PRRR.TRn and NMRR.IRn/ORn;
    # PRRR.DS1/NS1 give S = 1 Shareable, NOSn not Outer Shareable
    ("tre_tr0_so_unaligned", dabt(ALIGN, 0x80C00101)),
    ("tre_tr2_normal_unaligned", word(0x01111100)),
    ("tre_tr1_device_unaligned", dabt(ALIGN, 0x80E00101)),
    ("tre_tr2_par_attrs", par_attrs(WT, O_WBWA)),                      # IR2 = WT, OR2 = WB-WA, S = 0
    ("tre_tr1_par_attrs", par_attrs(DEV, O_NC, sh=1)),                 # S = 1 and DS1
    ("tre_tr7_par_attrs", par_attrs(WBWA, O_WBWA)),                    # IR7 = OR7 = WB-WA
    # B4.1.113 PAR success: PA[31:12], NS; supersection SS = 1, PA[39:32] in 23:16
    ("ats_section", word(0x44000000 | NS)),
    ("ats_section_attrs", par_attrs(WBWA, O_WBWA)),                    # TEX 001 C1 B1, S = 0
    ("ats_supersection", word(0x45000000 | NS | 2)),
    ("ats_small_page", word(0x44200000 | NS)),
    ("ats_cpw_ro", par_fault(SEC_PERM)),
    ("ats_cur_priv", par_fault(SEC_PERM)),
    ("ats_cur_pl0ro", word(0x44000000 | NS)),
    ("ats_cuw_pl0ro", par_fault(SEC_PERM)),
    ("ats_l1_translation", par_fault(SEC_XLAT)),
    ("ats_l2_translation", par_fault(PAGE_XLAT)),
    ("ats_par64", "%016x" % 0xF),                                      # MRRC: PAR[31:0] of the above
    ("ats12nsopr", "undef"),                                           # no Security Extensions
    ("ats_supersection_high", word(0x45000000 | 0x01 << 16 | NS | 2)),
    # PA 0x1_4500_0000: nothing decodes it, a synchronous external abort
    ("supersection_high_read", dabt(EXTERNAL, 0x84000000)),
    # B3.5.4 TTBCR.N = 1: VA[31] = 1 walks TTBR1.  PD0/PD1 exist only with
    # the Security Extensions (B4.1.153), which this CPU lacks: they read 0
    # and TTBR1 walks go on
    ("ttbr1_section", word(0x55550001)),
    ("ttbr0_below", word(0xE59FF018)),                                 # the vector table
    ("ttbcr_pd1", word(1)),
    ("ttbr1_pd1", word(0x55550001)),
    ("n0_section", word(0x11110001)),
] + [
    # B3.9.3 non-global entries belong to an ASID: one VA, two spaces, data and code
    line for _ in range(2) for line in (
        ("asid1_data", word(0xA0A00000)), ("asid1_code", word(1)),
        ("asid2_data", word(0xB0B00000)), ("asid2_code", word(2)))
] + [
    # B3.10: after each TLB maintenance operation the new mapping is used
    ("tlb_before", word(0xC0C00000)),
    ("tlbimva", word(0xD0D00000)),
    ("tlbimvaa", word(0xC0C00000)),
    ("tlbiasid", word(0xD0D00000)),
    ("tlbiall", word(0xC0C00000)),
    ("tlbimvais", word(0xD0D00000)),
    ("tlbimvaais", word(0xC0C00000)),
    ("tlbiasidis", word(0xD0D00000)),
    ("tlbiallis", word(0xC0C00000)),
    ("dtlbimva", word(0xD0D00000)),
    ("dtlbiasid", word(0xC0C00000)),
    ("dtlbiall", word(0xD0D00000)),
    ("itlb_before", word(1)),
    ("itlbimva", word(2)),
    ("itlbiasid", word(1)),
    ("itlbiall", word(2)),
    # TLBIMVA of any VA in a section invalidates the whole section's entry
    ("section_before", word(0xE0E00000)),
    ("section_tlbimva", word(0xF0F00000)),
    ("large_before", word(0x12120000)),
    ("large_tlbimva", word(0x34340000)),
    ("super_before", word(0x56560000)),
    ("super_tlbimva", word(0x78780000)),
    ("sctlr_a_unaligned", dabt(ALIGN, 0x80000101)),
    ("normal_unaligned", word(0x01111100)),             # SCTLR.A = 0, Normal memory
    ("done", None),
]

# Where QEMU 7.2 differs from the ARM ARM, and what it prints instead.
QEMU_DIFFERS = {
    # QEMU (before 9.0) does not fault unaligned accesses to Device/Strongly-ordered memory
    "notre_so_unaligned": word(0x01111100),
    "tre_tr0_so_unaligned": word(0x01111100),
    "tre_tr1_device_unaligned": word(0x01111100),
    # QEMU fills no memory attributes in the 32-bit PAR ("We do not set any
    # attribute bits in the PAR")
    "notre_so_par_attrs": word(0), "notre_wt_par_attrs": word(0),
    "notre_dev_par_attrs": word(0), "tre_tr2_par_attrs": word(0),
    "tre_tr1_par_attrs": word(0), "tre_tr7_par_attrs": word(0),
    "ats_section_attrs": word(0),
    # QEMU drops PA[39:32] of a supersection from PAR[23:16]
    "ats_supersection_high": word(0x45000000 | NS | 2),
}


def parse(out):
    lines = out.decode(errors="replace").splitlines()
    return [tuple(line.split(" ", 1)) if " " in line else (line, None) for line in lines]


def check(got, want):
    got = parse(got)
    bad = [(w, g) for w, g in zip(want, got) if w != g]
    assert not bad and len(got) == len(want), (
        "mismatches (expected, got): %r\nlines: %d, expected %d" % (bad[:10], len(got), len(want)))


test_mmu_short_on_armtcg, test_mmu_short_on_armtcg_engines, test_mmu_short_on_qemu = \
    guestlib.sysguest_tests("mmu_short", check, EXPECTED, QEMU_DIFFERS)
