# The MMU of a Cortex-A15 (PL1&0 stage 1 only: no Hyp, no Security
# Extensions): the result of a walk, the fault status formats, the choice
# between the two translation table formats, the address translation
# operations (ATS*, writing PAR) and TLB maintenance.
#
# Included textually by runtime/core.pyx after the physical bus
# (find_region, phys_read32, tlb_flush) and the ACC_* constants; the walks
# themselves are runtime/mmu_short.pxi (ARM ARM DDI 0406C B3.5) and
# runtime/mmu_lpae.pxi (B3.6).  Everything here is nogil C.

ctypedef struct MMUResult:
    uint64_t pa          # output address (40 bits; our bus decodes 32)
    uint32_t prot        # PROT_R/W/X allowed at the walk's privilege, PROT_DEVICE
    uint32_t attr        # memory attributes as a MAIR byte (B4.1.104)
    uint32_t sh          # shareability as LPAE SH[1:0]: 0 non, 2 outer, 3 inner
    uint32_t ns          # the descriptor's NS bit
    uint32_t lg_size     # log2 of the mapping's size (12, 16, 20, 21, 24, 30)
    uint32_t tags        # TLBEntry.tags: 1 << domain (short-descriptor), TLB_TAG_NG
    uint32_t walked      # the walk found the descriptor: attr holds its memory type
                         # even if a domain or permission fault follows


DEF PROT_R = 1
DEF PROT_W = 2
DEF PROT_X = 4
DEF PROT_DEVICE = 8      # Device or Strongly-ordered memory
DEF TLB_TAG_NG = 0x10000 # TLBEntry.tags: a non-global translation

DEF SCTLR_M = 0x1
DEF SCTLR_WXN = 0x80000
DEF SCTLR_UWXN = 0x100000
DEF SCTLR_EE = 0x2000000
DEF SCTLR_TRE = 0x10000000
DEF SCTLR_AFE = 0x20000000

# -- fault status (B3.12.3 short-descriptor, B3.12.4 long-descriptor) --------
# A walk returns 0 or the FSR value of its fault in the format of the
# current translation regime, with WnR clear (the caller adds it).

DEF FSR_LPAE = 0x200     # DFSR/IFSR[9]: long-descriptor format
DEF FSR_WNR = 0x800

# short-descriptor FS[4:0], Table B3-23
DEF FS_ALIGNMENT = 0x01
DEF FS_DEBUG = 0x02
DEF FS_AF_SECTION = 0x03
DEF FS_AF_PAGE = 0x06
DEF FS_TRANSLATION_SECTION = 0x05
DEF FS_TRANSLATION_PAGE = 0x07
DEF FS_EXTERNAL = 0x08
DEF FS_DOMAIN_SECTION = 0x09
DEF FS_DOMAIN_PAGE = 0x0b
DEF FS_EXTERNAL_WALK_L1 = 0x0c
DEF FS_EXTERNAL_WALK_L2 = 0x0e
DEF FS_PERMISSION_SECTION = 0x0d
DEF FS_PERMISSION_PAGE = 0x0f

# long-descriptor STATUS[5:0], Table B3-24 (the level goes in bits 1:0)
DEF LS_TRANSLATION = 0x04
DEF LS_ACCESS_FLAG = 0x08
DEF LS_PERMISSION = 0x0c
DEF LS_EXTERNAL = 0x10
DEF LS_EXTERNAL_WALK = 0x14
DEF LS_ALIGNMENT = 0x21
DEF LS_DEBUG = 0x22


cdef inline uint32_t fsr_of(uint32_t fs, uint32_t domain, bint write) noexcept nogil:
    """Short-descriptor FSR: FS[4] in bit 10, FS[3:0], Domain[7:4], WnR[11]."""
    return (fs & 0xf) | ((fs & 0x10) << 6) | ((domain & 0xf) << 4) | ((<uint32_t>write) << 11)


cdef inline uint32_t lfsr_of(uint32_t status, bint write) noexcept nogil:
    """Long-descriptor FSR: STATUS[5:0], LPAE[9] = 1, WnR[11]."""
    return (status & 0x3f) | FSR_LPAE | ((<uint32_t>write) << 11)


cdef inline bint regime_lpae(CPUARMState *env) noexcept nogil:
    # The FSR format follows TTBCR.EAE, with the MMU on or off (B3.12.3).
    return (env.ttbcr >> 31) != 0      # TTBCR.EAE


cdef inline uint32_t fsr_external(CPUARMState *env, bint write) noexcept nogil:
    """Synchronous external abort, not on a walk (no region decodes the PA)."""
    if regime_lpae(env):
        return lfsr_of(LS_EXTERNAL, write)
    return fsr_of(FS_EXTERNAL, 0, write)


cdef inline uint32_t fsr_alignment(CPUARMState *env, bint write) noexcept nogil:
    if regime_lpae(env):
        return lfsr_of(LS_ALIGNMENT, write)
    return fsr_of(FS_ALIGNMENT, 0, write)


cdef inline uint32_t fsr_debug(CPUARMState *env) noexcept nogil:
    """IFSR of a BKPT (debug event)."""
    if regime_lpae(env):
        return lfsr_of(LS_DEBUG, False)
    return FS_DEBUG


cdef inline uint32_t rw_prot_xn(uint32_t rw, bint user, uint32_t user_rw, bint xn,
                                bint pxn, uint32_t sctlr) noexcept nogil:
    """Add execute permission to a read/write permission: an instruction
    fetch needs read permission and no XN (B3.7.2); PXN stops PL1 only.
    SCTLR.WXN makes writable regions XN; SCTLR.UWXN makes regions PL0 can
    write PXN (B3.7.3)."""
    if (rw & PROT_W) and (sctlr & SCTLR_WXN):
        xn = True
    if not user and (user_rw & PROT_W) and (sctlr & SCTLR_UWXN):
        pxn = True
    if (rw & PROT_R) and not xn and not (pxn and not user):
        rw |= PROT_X
    return rw


include "mmu_short.pxi"
include "mmu_lpae.pxi"


cdef uint32_t mmu_translate(CPUARMState *env, uint32_t va, int access, bint user,
                            MMUResult *r) noexcept nogil:
    """Stage 1 translation of va for access at PL0 (user) or PL1: 0 with *r
    filled, or the FSR of the fault (WnR clear)."""
    if not (env.sctlr & SCTLR_M):
        # MMU off: flat; data accesses are Strongly-ordered (B3.2.1)
        r.pa = va
        r.prot = PROT_R | PROT_W | PROT_X | PROT_DEVICE
        r.attr = 0x00
        r.sh = 2
        r.ns = 1                       # no Security Extensions: Non-secure
        r.lg_size = 32
        r.tags = 0
        r.walked = 1
        return 0
    r.tags = 0
    r.walked = 0
    if env.ttbcr >> 31:                # TTBCR.EAE
        return lpae_walk(env, va, access, user, r)
    return short_walk(env, va, access, user, r)


cdef int get_phys_addr_r(CPUARMState *env, uint32_t va, int access, int mmu_idx,
                         MMUResult *r) noexcept nogil:
    """mmu_translate for an access on our 32-bit bus: an output address at
    or above 4 GB decodes to nothing, a synchronous external abort."""
    cdef uint32_t fsr = mmu_translate(env, va, access, mmu_idx == MMU_IDX_USER, r)
    if fsr:
        return fsr
    if r.pa >> 32:
        return fsr_external(env, False)
    return 0


cdef int get_phys_addr(CPUARMState *env, uint32_t va, int access, int mmu_idx,
                       uint32_t *pa, uint32_t *prot) noexcept nogil:
    """Physical address and permissions of va, or the FSR of the fault."""
    cdef MMUResult r
    cdef int fsr = get_phys_addr_r(env, va, access, mmu_idx, &r)
    if fsr == 0:
        pa[0] = <uint32_t>r.pa
        prot[0] = r.prot
    return fsr


# -- soft TLB: mappings larger than a page ----------------------------------
# The soft TLB holds 4 KB pages; a TLBIMVA must drop every page of the
# (section, supersection, block, large page) entry holding the VA.  As in
# QEMU, one region (tlb_large_addr/mask) covers all large mappings cached
# since the last flush; a TLBIMVA inside it flushes everything.

cdef inline void tlb_note_large(CPUARMState *env, uint32_t va, uint32_t lg_size) noexcept nogil:
    cdef uint32_t mask
    if lg_size <= TARGET_PAGE_BITS:
        return
    mask = 0 if lg_size >= 32 else (0xffffffffu << lg_size)
    if env.tlb_large_addr & 1:          # none yet
        env.tlb_large_mask = mask
    else:
        mask &= env.tlb_large_mask
        while (env.tlb_large_addr ^ va) & mask:
            mask <<= 1
        env.tlb_large_mask = mask
    env.tlb_large_addr = va & mask


cdef void tlb_flush_va(CPUARMState *env, uint32_t va) noexcept nogil:
    """Invalidate what the soft TLB holds for va (every ASID)."""
    if (env.tlb_large_addr & 1) == 0 and (va & env.tlb_large_mask) == env.tlb_large_addr:
        tlb_flush(env)
    else:
        tlb_flush_page_all(env, va & TARGET_PAGE_MASK)


# -- TLB maintenance (B3.10, B4.2.2 c8) ---------------------------------------
# The soft TLB only ever holds non-global translations of the current ASID
# (CONTEXTIDR and TTBR writes drop them).  So the by-ASID operations drop
# every non-global entry, and the by-MVA ones drop that VA whatever its
# ASID -- more than the architecture asks, never less.  I/D and Inner Shareable forms
# are the same on one unified-TLB core.

# -- DACR (B4.1.43): Linux's software PAN rewrites it on every kernel entry
# and exit (user domain no access / client).  Only the soft TLB entries of
# the domains whose field changed depend on it: they go, the rest stay.

cdef int cp_dacr_write(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil:
    cdef uint32_t changed = env.dacr ^ val
    cdef uint32_t doms = 0
    cdef int d, m, i
    cdef TLBEntry *e
    env.dacr = val
    for d in range(16):
        if (changed >> (2 * d)) & 3:
            doms |= 1u << d
    if doms == 0:
        return 0
    for m in range(NB_MMU_MODES):
        for i in range(TLB_SIZE):
            e = &env.tlb[m][i]
            if e.tags & doms:
                memset(e, 0xff, sizeof(TLBEntry))
    return 0


# -- ASID and translation table changes (B3.9.3, B3.10.2) ---------------------
# Global entries stay valid across an ASID or TTBR change (that is what nG
# is for; QEMU keeps everything on a 32-bit TTBR write), so these drop only
# the non-global entries, which the soft TLB holds for the current ASID
# alone.  Kernel mappings survive a process switch.

cdef void tlb_flush_tagged(CPUARMState *env, uint32_t tags) noexcept nogil:
    cdef int m, i
    cdef TLBEntry *e
    for m in range(NB_MMU_MODES):
        for i in range(TLB_SIZE):
            e = &env.tlb[m][i]
            if e.tags & tags:
                memset(e, 0xff, sizeof(TLBEntry))


cdef int cp_asid_write(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil:
    # CONTEXTIDR (ASID in bits 7:0) and the 32-bit TTBR views
    cdef CPSlot *s = &cp_slots[idx]
    if cp_store_lo(env, s, val) != cp_field(env, s.off_lo)[0]:
        tlb_flush_tagged(env, TLB_TAG_NG)
    return 0


cdef int cp_asid_write64(CPUARMState *env, uint32_t idx, uint32_t lo, uint32_t hi) noexcept nogil:
    # 64-bit TTBRs: base and, under LPAE, the ASID in bits 55:48
    cdef CPSlot *s = &cp_slots[idx]
    cdef bint changed = cp_store_lo(env, s, lo) != cp_field(env, s.off_lo)[0]
    if cp_store_hi(env, s, hi) != cp_field(env, s.off_hi)[0]:
        changed = True
    if changed:
        tlb_flush_tagged(env, TLB_TAG_NG)
    return 0


cdef int cp_tlbi_asid(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil:
    tlb_flush_tagged(env, TLB_TAG_NG)
    return 0


cdef int cp_tlbi_mva(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil:
    tlb_flush_va(env, val)          # val = MVA[31:12] | ASID[7:0]
    return 0


# -- address translation operations (B4.2.3, PAR B4.1.113) -------------------
# ATS1C{P,U}{R,W}: a stage 1 walk of the PL1&0 regime as a read or write at
# PL1 or PL0, its result in PAR.  The walk fills no TLB and raises nothing.

cdef inline uint32_t short_par_attrs(MMUResult *r) noexcept nogil:
    """PAR[10:2] of the short-descriptor success form: NOS, NS, SH,
    Inner[2:0], Outer[1:0] from the MAIR-format attribute."""
    cdef uint32_t inner, outer, a = r.attr
    cdef uint32_t par = 0
    if (a & 0xf0) == 0:
        inner = 1 if (a & 0x0c) == 0 else 3      # Strongly-ordered / Device
        outer = 0
    else:
        inner = short_cache_code(a & 0xf)
        outer = short_cache_code(a >> 4)
        if inner:
            inner += 4                            # 101 WB-WA, 110 WT, 111 WB
    par |= (inner << 4) | (outer << 2)
    if r.sh:
        par |= 1 << 7
        if r.sh == 3:
            par |= 1 << 10                        # NOS: not Outer Shareable
    if r.ns:
        par |= 1 << 9
    return par


cdef inline uint32_t short_cache_code(uint32_t nibble) noexcept nogil:
    """MAIR cache nibble -> NMRR-style code 00 NC, 01 WB-WA, 10 WT, 11 WB."""
    if nibble == 0xf:
        return 1
    if (nibble & 0xc) == 0x8:
        return 2
    if (nibble & 0xc) == 0xc:
        return 3
    return 0


cdef void ats_to_par(CPUARMState *env, uint32_t va, int access, bint user) noexcept nogil:
    cdef MMUResult r
    cdef uint32_t fsr = mmu_translate(env, va, access, user, &r)
    cdef uint64_t par
    if regime_lpae(env):
        # 64-bit PAR (LPAE = 1): PA[39:12], NS, SH, ATTR[63:56]; or F and FS
        if fsr:
            par = 1 | ((fsr & 0x3f) << 1)
        else:
            par = (r.pa & OA_MASK) | (r.sh << 7) | (r.ns << 9) | (<uint64_t>r.attr << 56)
        par |= 1 << 11
    elif fsr:
        # 32-bit fault form: FS[4:0] in PAR[5:1], ExT in PAR[6], F = 1
        par = 1 | ((fsr & 0xf) << 1) | ((fsr & 0x400) >> 5) | ((fsr & 0x1000) >> 6)
    elif r.lg_size == 24:
        # supersection: PA[31:24], PA[39:32] in PAR[23:16], SS = 1
        par = (r.pa & 0xff000000u) | (((r.pa >> 32) & 0xff) << 16) | 2 | short_par_attrs(&r)
    else:
        par = (r.pa & 0xfffff000u) | short_par_attrs(&r)
    env.par_lo = <uint32_t>par
    env.par_hi = <uint32_t>(par >> 32)


cdef int cp_ats_write(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil:
    # the row's values[0]: bit 0 = write, bit 1 = as PL0 (runtime/cp15.py)
    cdef uint32_t op = cp_slots[idx].values[0]
    ats_to_par(env, val, ACC_WRITE if op & 1 else ACC_READ, (op & 2) != 0)
    return 0


cp_register_fns("dacr_write", NULL, cp_dacr_write, NULL, NULL, NULL)
cp_register_fns("asid_write", NULL, cp_asid_write, NULL, cp_asid_write64, NULL)
cp_register_fns("tlbi_asid", NULL, cp_tlbi_asid, NULL, NULL, NULL)
cp_register_fns("tlbi_mva", NULL, cp_tlbi_mva, NULL, NULL, NULL)
cp_register_fns("ats_write", NULL, cp_ats_write, NULL, NULL, NULL)
