# Long-descriptor (LPAE) translation table walk (ARM ARM DDI 0406C B3.6,
# access controls B3.7, MAIR0/MAIR1 attributes B3.8.4), for the PL1&0
# stage 1 regime with TTBCR.EAE == 1 and the 4 KB granule: a walk starts at
# level 1 (1 GB blocks) or level 2 (2 MB blocks) by T0SZ/T1SZ and ends at
# level 3 (4 KB pages).  Included by runtime/mmu.pxi.
#
# Under LPAE PRRR and NMRR are MAIR0 and MAIR1 (same encodings, same
# state: B4.1.104), so env.prrr/env.nmrr hold them.  The ASID is
# TTBR0/TTBR1[55:48] (TTBCR.A1); the soft TLB is flushed when it changes.

cdef extern from *:
    """
    #define LPAE_OA_MASK 0xfffffff000ULL   /* output address bits 39:12 */
    #define LPAE_PA_MASK 0xffffffffffULL   /* a 40-bit physical address */
    """
    uint64_t OA_MASK "LPAE_OA_MASK"
    uint64_t PA_MASK "LPAE_PA_MASK"


cdef inline int lpae_read_desc(CPUARMState *env, uint64_t addr, uint64_t *desc) noexcept nogil:
    cdef uint32_t lo, hi
    if (addr >> 32) or phys_read32(env, <uint32_t>addr, &lo) \
            or phys_read32(env, <uint32_t>addr + 4, &hi):
        return 1                       # nothing decodes there: external abort
    if env.sctlr & SCTLR_EE:
        desc[0] = (<uint64_t>__builtin_bswap32(lo) << 32) | __builtin_bswap32(hi)
    else:
        desc[0] = (<uint64_t>hi << 32) | lo
    return 0


cdef inline uint32_t lpae_ap_rw(uint32_t ap, bint user) noexcept nogil:
    """AP[2:1] (Table B3-9): AP[2] = 1 read-only, AP[1] = 1 PL0 access."""
    if user:
        if not (ap & 1):
            return 0
        return PROT_R if ap & 2 else PROT_R | PROT_W
    return PROT_R if ap & 2 else PROT_R | PROT_W


cdef uint32_t lpae_walk(CPUARMState *env, uint32_t va, int access, bint user,
                        MMUResult *r) noexcept nogil:
    cdef uint32_t ttbcr = env.ttbcr
    cdef uint32_t t0sz = ttbcr & 7
    cdef uint32_t t1sz = (ttbcr >> 16) & 7
    cdef uint32_t tsz, level, shift, nbits, ap, rw, user_rw, attrindx, mair
    cdef uint64_t table, desc
    cdef bint epd, xn, pxn
    cdef uint32_t ap_table = 0, xn_table = 0, pxn_table = 0
    # TTBR0 covers [0, 2^(32-T0SZ)), TTBR1 [2^32 - 2^(32-T1SZ), 2^32); a size
    # of 0 means "the rest" (Table B3-7); a VA in neither gets a level 1
    # translation fault
    if (t0sz == 0 and (t1sz == 0 or va < <uint32_t>((<uint64_t>1 << 32) - (<uint64_t>1 << (32 - t1sz))))) \
            or (t0sz != 0 and (va >> (32 - t0sz)) == 0):
        table = (<uint64_t>env.ttbr0_hi << 32) | env.ttbr0_lo
        tsz = t0sz
        epd = (ttbcr >> 7) & 1
    elif t1sz == 0 or va >= <uint32_t>((<uint64_t>1 << 32) - (<uint64_t>1 << (32 - t1sz))):
        table = (<uint64_t>env.ttbr1_hi << 32) | env.ttbr1_lo
        tsz = t1sz
        epd = (ttbcr >> 23) & 1
    else:
        return lfsr_of(LS_TRANSLATION | 1, False)
    if epd:                            # EPDn: no walk through this TTBR
        return lfsr_of(LS_TRANSLATION | 1, False)
    # start level and its table size (B3.6.6): T*SZ 0-1 at level 1 with
    # 2^(2-TSZ) entries, 2-7 at level 2 with 2^(11-TSZ) entries; the table
    # is aligned to its size (TTBR bits 39:x)
    if tsz <= 1:
        level = 1
        nbits = 2 - tsz
    else:
        level = 2
        nbits = 11 - tsz
    table &= PA_MASK & ~((<uint64_t>8 << nbits) - 1)
    while True:
        shift = 39 - 9 * level         # 30, 21, 12
        if lpae_read_desc(env, table + 8 * ((va >> shift) & ((1u << nbits) - 1)), &desc):
            return lfsr_of(LS_EXTERNAL_WALK | level, False)
        if (desc & 1) == 0 or (level == 3 and (desc & 3) == 1):
            return lfsr_of(LS_TRANSLATION | level, False)  # invalid, or reserved at level 3
        if level == 3 or (desc & 3) == 1:
            break                      # page, or block at level 1/2
        # table descriptor: limits for the levels below (B3.6.1)
        pxn_table |= <uint32_t>(desc >> 59) & 1
        xn_table |= <uint32_t>(desc >> 60) & 1
        ap_table |= <uint32_t>(desc >> 61) & 3
        table = desc & OA_MASK
        level += 1
        nbits = 9
    r.pa = (desc & OA_MASK & ~((<uint64_t>1 << shift) - 1)) | (va & ((1u << shift) - 1))
    r.lg_size = shift
    r.ns = 1                           # no Security Extensions: Non-secure
    r.sh = (desc >> 8) & 3
    if (desc >> 11) & 1:               # nG
        r.tags = TLB_TAG_NG
    # no hardware Access flag management: AF = 0 always faults (B3.7.1)
    if not (desc >> 10) & 1:
        return lfsr_of(LS_ACCESS_FLAG | level, False)
    attrindx = (desc >> 2) & 7
    mair = env.nmrr if attrindx & 4 else env.prrr
    r.attr = (mair >> (8 * (attrindx & 3))) & 0xff
    r.walked = 1
    # APTable[0]: no PL0 access below; APTable[1]: no write access below
    ap = (desc >> 6) & 3
    if ap_table & 1:
        ap &= ~1u
    if ap_table & 2:
        ap |= 2
    xn = ((<uint32_t>(desc >> 54) & 1) | xn_table) != 0
    pxn = ((<uint32_t>(desc >> 53) & 1) | pxn_table) != 0
    rw = lpae_ap_rw(ap, user)
    user_rw = rw if user else lpae_ap_rw(ap, True)
    r.prot = rw_prot_xn(rw, user, user_rw, xn, pxn, env.sctlr)
    if (r.attr & 0xf0) == 0:
        r.prot |= PROT_DEVICE
        r.sh = 2                       # Device/SO: Outer Shareable, whatever SH says
    if not (r.prot >> access) & 1:
        return lfsr_of(LS_PERMISSION | level, False)
    return 0
