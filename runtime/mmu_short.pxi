# Short-descriptor translation table walk (ARM ARM DDI 0406C B3.5, with
# the access controls of B3.7 and the memory attributes of B3.8), for the
# PL1&0 stage 1 regime with TTBCR.EAE == 0.  Included by runtime/mmu.pxi.
#
# Checks in the order of the architecture's pseudocode (DDI 0406C
# TranslationTableWalkSD, then TranslateAddressV: CheckDomain, CheckPermission):
# translation fault, Access flag fault (SCTLR.AFE), domain fault, permission
# fault.  A Manager domain skips only the permission checks.

cdef inline uint32_t short_nibble(uint32_t code) noexcept nogil:
    """NMRR/TEX cache code (00 NC, 01 WB-WA, 10 WT, 11 WB) as a MAIR nibble."""
    if code == 1:
        return 0xf
    if code == 2:
        return 0xa
    if code == 3:
        return 0xe
    return 0x4


cdef inline void short_attrs(CPUARMState *env, uint32_t tex, uint32_t c, uint32_t b,
                             uint32_t s, MMUResult *r) noexcept nogil:
    """Memory type, cacheability and shareability of TEX[2:0] C B S:
    Table B3-10 (SCTLR.TRE = 0), or PRRR/NMRR (TEX remap, B3.8.3)."""
    cdef uint32_t n = ((tex & 1) << 2) | (c << 1) | b
    cdef uint32_t tr, cb = (c << 1) | b
    r.attr = 0x00                      # Strongly-ordered ...
    r.sh = 2                           # ... always shareable
    if env.sctlr & SCTLR_TRE:
        tr = (env.prrr >> (2 * n)) & 3
        if tr == 1:                    # Device: PRRR.DS0/DS1 by S
            r.attr = 0x04
            r.sh = 2 if (env.prrr >> (16 + s)) & 1 else 0
        elif tr == 2:                  # Normal: NMRR.IRn/ORn, PRRR.NS0/NS1, NOSn
            r.attr = (short_nibble((env.nmrr >> (2 * n + 16)) & 3) << 4) \
                | short_nibble((env.nmrr >> (2 * n)) & 3)
            if (env.prrr >> (18 + s)) & 1:
                r.sh = 3 if (env.prrr >> (24 + n)) & 1 else 2
            else:
                r.sh = 0
        # tr == 3 is reserved (CONSTRAINED UNPREDICTABLE): Strongly-ordered
        return
    if tex & 4:                        # cacheable: TEX[1:0] outer, C:B inner
        r.attr = (short_nibble(tex & 3) << 4) | short_nibble(cb)
    elif tex == 0 and cb == 1:         # Shareable Device
        r.attr = 0x04
    elif tex == 2 and cb == 0:         # Non-shareable Device
        r.attr = 0x04
        r.sh = 0
        return
    elif tex == 0 and cb == 2:         # Normal, write-through, no write-allocate
        r.attr = 0xaa
    elif tex == 0 and cb == 3:         # Normal, write-back, no write-allocate
        r.attr = 0xee
    elif tex == 1 and cb == 0:         # Normal, non-cacheable
        r.attr = 0x44
    elif tex == 1 and cb == 3:         # Normal, write-back, write-allocate
        r.attr = 0xff
    else:
        return                         # 000 00, and the reserved encodings: Strongly-ordered
    if r.attr != 0x04:
        r.sh = 2 if s else 0           # Normal: the S bit


cdef inline uint32_t short_ap_rw(uint32_t ap, bint user) noexcept nogil:
    """Read/write permission of AP[2:0] (Table B3-8).  With SCTLR.AFE = 1
    AP[0] is the access flag and AP[2:1] alone decide (Table B3-9); as AP[0]
    is then 1 once the AF check passed, the same table applies."""
    if ap == 1:
        return 0 if user else PROT_R | PROT_W
    if ap == 2:
        return PROT_R if user else PROT_R | PROT_W
    if ap == 3:
        return PROT_R | PROT_W
    if ap == 5:
        return 0 if user else PROT_R
    if ap == 6 or ap == 7:
        return PROT_R
    return 0                           # 0: no access; 4: reserved


cdef inline int short_read_desc(CPUARMState *env, uint32_t addr, uint32_t *desc) noexcept nogil:
    if phys_read32(env, addr, desc):
        return 1
    if env.sctlr & SCTLR_EE:
        desc[0] = __builtin_bswap32(desc[0])
    return 0


cdef uint32_t short_walk(CPUARMState *env, uint32_t va, int access, bint user,
                         MMUResult *r) noexcept nogil:
    cdef uint32_t n = env.ttbcr & 7
    cdef uint32_t l1addr, desc, dom, dacr_bits, ap, tex, c, b, s, rw, user_rw
    cdef uint32_t fs_af, fs_dom, fs_perm
    cdef bint xn, pxn, ng
    # TTBCR.N splits the VA space: TTBR1 above 2^(32-N) (B3.5.4).  (PD0/PD1
    # come with the Security Extensions only: TTBCR keeps them 0, cp15.py)
    if n != 0 and (va >> (32 - n)) != 0:
        l1addr = (env.ttbr1_lo & 0xffffc000u) | ((va >> 20) << 2)
    else:
        l1addr = (env.ttbr0_lo & (0xffffffffu << (14 - n))) | (((va << n) >> (n + 20)) << 2)
    if short_read_desc(env, l1addr, &desc):
        return fsr_of(FS_EXTERNAL_WALK_L1, 0, False)    # domain not valid at level 1
    if (desc & 3) == 0:
        return fsr_of(FS_TRANSLATION_SECTION, 0, False)
    dom = (desc >> 5) & 0xf
    # Without the Security Extensions every access is Non-secure, whatever
    # the descriptors' NS bits say (as an A15 in Non-secure state on QEMU)
    r.ns = 1
    if (desc & 3) == 1:                # page table; PXN is bit 2 (LPAE cores)
        pxn = (desc >> 2) & 1
        if short_read_desc(env, (desc & 0xfffffc00u) | (((va >> 12) & 0xff) << 2), &desc):
            return fsr_of(FS_EXTERNAL_WALK_L2, dom, False)
        if (desc & 3) == 0:
            return fsr_of(FS_TRANSLATION_PAGE, dom, False)
        if (desc & 3) == 1:            # large page, 64 KB
            r.pa = (desc & 0xffff0000u) | (va & 0xffffu)
            r.lg_size = 16
            xn = (desc >> 15) & 1
            ng = (desc >> 11) & 1
            tex = (desc >> 12) & 7
        else:                          # small page, 4 KB
            r.pa = (desc & 0xfffff000u) | (va & 0xfffu)
            r.lg_size = 12
            xn = desc & 1
            ng = (desc >> 11) & 1
            tex = (desc >> 6) & 7
        ap = ((desc >> 7) & 4) | ((desc >> 4) & 3)
        s = (desc >> 10) & 1
        fs_af, fs_dom, fs_perm = FS_AF_PAGE, FS_DOMAIN_PAGE, FS_PERMISSION_PAGE
    else:                              # section; bit 0 is PXN (both 0b10 and 0b11)
        pxn = desc & 1
        if desc & (1u << 18):          # supersection, 16 MB: always domain 0,
            # PA[35:32] in bits 23:20 and PA[39:36] in bits 8:5
            r.pa = (desc & 0xff000000u) | (va & 0x00ffffffu) \
                | (<uint64_t>((desc >> 20) & 0xf) << 32) | (<uint64_t>((desc >> 5) & 0xf) << 36)
            r.lg_size = 24
            dom = 0
        else:
            r.pa = (desc & 0xfff00000u) | (va & 0x000fffffu)
            r.lg_size = 20
        xn = (desc >> 4) & 1
        ng = (desc >> 17) & 1
        tex = (desc >> 12) & 7
        ap = ((desc >> 13) & 4) | ((desc >> 10) & 3)
        s = (desc >> 16) & 1
        fs_af, fs_dom, fs_perm = FS_AF_SECTION, FS_DOMAIN_SECTION, FS_PERMISSION_SECTION
    c = (desc >> 3) & 1
    b = (desc >> 2) & 1
    if ng:
        r.tags = TLB_TAG_NG
    # Access flag: with SCTLR.AFE, AP[0] = 0 faults (no hardware update)
    if (env.sctlr & SCTLR_AFE) and (ap & 1) == 0:
        return fsr_of(fs_af, dom, False)
    short_attrs(env, tex, c, b, s, r)
    r.walked = 1
    dacr_bits = (env.dacr >> (2 * dom)) & 3
    if dacr_bits == 0 or dacr_bits == 2:          # No access (10 is reserved)
        return fsr_of(fs_dom, dom, False)
    r.tags |= 1u << dom
    if dacr_bits == 3:
        r.prot = PROT_R | PROT_W | PROT_X         # Manager: no permission checks
    else:
        rw = short_ap_rw(ap, user)
        user_rw = rw if user else short_ap_rw(ap, True)
        r.prot = rw_prot_xn(rw, user, user_rw, xn, pxn, env.sctlr)
    if (r.attr & 0xf0) == 0:
        r.prot |= PROT_DEVICE
    if not (r.prot >> access) & 1:
        return fsr_of(fs_perm, dom, False)
    return 0
