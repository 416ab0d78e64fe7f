# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The runtime core: CPU state, register banking, exceptions, the physical
memory bus with its soft TLB and MMU walk, the translation-block store and
the C helper table.  Everything the engines call while a guest runs is a
`noexcept nogil` C function; Python is only reached for MMIO of devices
written in Python and for invalidating translated code.
"""

from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, int8_t, int16_t, int32_t, int64_t, uintptr_t
from libc.stdlib cimport calloc, malloc, free
from libc.string cimport memset, memcpy
from cpython.ref cimport PyObject

import mmap
import sys
import weakref

cdef extern from *:
    uint32_t __builtin_bswap32(uint32_t x) nogil

# ---------------------------------------------------------------------------
# helper table: C functions called by the IR op `helper`

DEF MAX_HELPERS = 256
cdef helper_fn HELPERS[MAX_HELPERS]
cdef int n_helpers = 0
HELPER_IDS = {}
HELPER_NAMES = []


cdef void register_helper(bytes name, helper_fn fn) noexcept:
    global n_helpers
    HELPERS[n_helpers] = fn
    HELPER_IDS[name.decode()] = n_helpers
    HELPER_NAMES.append(name.decode())
    n_helpers += 1


cdef helper_fn *helper_table() noexcept nogil:
    return HELPERS


def helper_address(name):
    """Host address of a helper (the JIT binds these)."""
    return <uintptr_t>HELPERS[HELPER_IDS[name]]


include "helpers_dsp.pxi"
include "helpers_vfp.pxi"
include "gic_fns.pxi"       # the GICv2 (before the timer, which drives its PPIs)
include "cp15_fns.pxi"

register_dsp_helpers()
register_vfp_ops()

# ---------------------------------------------------------------------------
# CPSR and register banks

cdef inline bint mode_is_valid(uint32_t m) noexcept nogil:
    return m in (MODE_USR, MODE_FIQ, MODE_IRQ, MODE_SVC, MODE_ABT, MODE_UND, MODE_SYS)


cdef uint32_t cpsr_read(CPUARMState *env) noexcept nogil:
    cdef uint32_t *v = env.v
    cdef uint32_t c = env.uncached_cpsr
    c |= (v[V_NF] & 0x80000000u)
    if v[V_ZF] == 0:
        c |= 0x40000000u
    if v[V_CF]:
        c |= 0x20000000u
    c |= (v[V_VF] & 0x80000000u) >> 3
    if v[V_QF]:
        c |= CPSR_Q
    c |= (v[V_GE] & 0xf) << 16
    return c


cdef void switch_mode(CPUARMState *env, uint32_t old_mode, uint32_t new_mode) noexcept nogil:
    cdef uint32_t *v = env.v
    cdef int i
    cdef uint32_t ob, nb
    if old_mode == new_mode:
        return
    if old_mode == MODE_FIQ:
        for i in range(5):
            env.fiq_regs[i] = v[8 + i]
            v[8 + i] = env.usr_regs[i]
    elif new_mode == MODE_FIQ:
        for i in range(5):
            env.usr_regs[i] = v[8 + i]
            v[8 + i] = env.fiq_regs[i]
    ob = bank_of_mode(old_mode)
    nb = bank_of_mode(new_mode)
    env.banked_r13[ob] = v[13]
    env.banked_r14[ob] = v[14]
    env.banked_spsr[ob] = env.spsr
    v[13] = env.banked_r13[nb]
    v[14] = env.banked_r14[nb]
    env.spsr = env.banked_spsr[nb]


cdef void cpsr_write(CPUARMState *env, uint32_t val, uint32_t mask) noexcept nogil:
    cdef uint32_t *v = env.v
    cdef uint32_t old, new, other
    if mask & 0x80000000u:
        v[V_NF] = val & 0x80000000u
    if mask & 0x40000000u:
        v[V_ZF] = 0 if (val & 0x40000000u) else 1
    if mask & 0x20000000u:
        v[V_CF] = (val >> 29) & 1
    if mask & 0x10000000u:
        v[V_VF] = (val << 3) & 0x80000000u
    if mask & CPSR_Q:
        v[V_QF] = (val >> 27) & 1
    if mask & CPSR_GE:
        v[V_GE] = (val >> 16) & 0xf
    other = mask & ~(CPSR_NZCV | CPSR_Q | CPSR_GE)
    if other == 0:
        return
    old = env.uncached_cpsr
    new = (old & ~other) | (val & other)
    if (new & CPSR_M) != (old & CPSR_M):
        if mode_is_valid(new & CPSR_M):
            switch_mode(env, old & CPSR_M, new & CPSR_M)
        else:
            # An illegal mode is UNPREDICTABLE (ARM ARM B1.3.1); keep the mode.
            new = (new & ~CPSR_M) | (old & CPSR_M)
    env.uncached_cpsr = new
    if (old & ~new) & (CPSR_I | CPSR_F | CPSR_A):
        env.exit_request |= EXIT_REQ_IRQ   # unmasked: re-check pending interrupts


cdef uint32_t spsr_read(CPUARMState *env) noexcept nogil:
    return env.spsr


cdef void spsr_write(CPUARMState *env, uint32_t val, uint32_t mask) noexcept nogil:
    env.spsr = (env.spsr & ~mask) | (val & mask)


cdef uint32_t user_reg_read(CPUARMState *env, int r) noexcept nogil:
    cdef uint32_t mode = env.uncached_cpsr & CPSR_M
    if r < 8 or r == 15:
        return env.v[r]
    if r < 13:
        return env.usr_regs[r - 8] if mode == MODE_FIQ else env.v[r]
    if bank_of_mode(mode) == BANK_USRSYS:
        return env.v[r]
    return env.banked_r13[BANK_USRSYS] if r == 13 else env.banked_r14[BANK_USRSYS]


cdef void user_reg_write(CPUARMState *env, int r, uint32_t val) noexcept nogil:
    cdef uint32_t mode = env.uncached_cpsr & CPSR_M
    if r < 8 or r == 15:
        env.v[r] = val
    elif r < 13:
        if mode == MODE_FIQ:
            env.usr_regs[r - 8] = val
        else:
            env.v[r] = val
    elif bank_of_mode(mode) == BANK_USRSYS:
        env.v[r] = val
    elif r == 13:
        env.banked_r13[BANK_USRSYS] = val
    else:
        env.banked_r14[BANK_USRSYS] = val


# Banked-register encodings of MRS/MSR (banked), ARM ARM B9.2.3:
# (R << 5) | SYSm  ->  (mode whose register it is, register number; 16 = SPSR)
cdef int banked_decode(uint32_t enc, uint32_t *mode, int *reg) noexcept nogil:
    cdef uint32_t sysm = enc & 31
    cdef bint r = (enc >> 5) & 1
    if r:
        if sysm == 0x0e:
            mode[0] = MODE_FIQ
        elif sysm == 0x10:
            mode[0] = MODE_IRQ
        elif sysm == 0x12:
            mode[0] = MODE_SVC
        elif sysm == 0x14:
            mode[0] = MODE_ABT
        elif sysm == 0x16:
            mode[0] = MODE_UND
        elif sysm == 0x1c:
            mode[0] = MODE_MON
        elif sysm == 0x1e:
            mode[0] = MODE_HYP
        else:
            return -1
        reg[0] = 16
        return 0
    if sysm <= 6:
        mode[0] = MODE_USR
        reg[0] = 8 + sysm
    elif 8 <= sysm <= 14:
        mode[0] = MODE_FIQ
        reg[0] = sysm
    elif 16 <= sysm <= 23:
        if sysm < 18:
            mode[0] = MODE_IRQ
        elif sysm < 20:
            mode[0] = MODE_SVC
        elif sysm < 22:
            mode[0] = MODE_ABT
        else:
            mode[0] = MODE_UND
        reg[0] = 14 if (sysm & 1) == 0 else 13
    elif 28 <= sysm <= 31:
        mode[0] = MODE_MON if sysm < 30 else MODE_HYP
        reg[0] = 14 if (sysm & 1) == 0 else 13
    else:
        return -1
    return 0


cdef uint32_t *mode_reg_slot(CPUARMState *env, uint32_t mode, int r) noexcept nogil:
    """Where register r of `mode` lives right now (r 16 = that mode's SPSR)."""
    cdef uint32_t cur = env.uncached_cpsr & CPSR_M
    cdef uint32_t bank = bank_of_mode(mode)
    if r == 16:
        return &env.spsr if bank == bank_of_mode(cur) else &env.banked_spsr[bank]
    if r < 8 or r == 15:
        return &env.v[r]
    if r < 13:
        if (mode == MODE_FIQ) == (cur == MODE_FIQ):
            return &env.v[r]
        return &env.fiq_regs[r - 8] if mode == MODE_FIQ else &env.usr_regs[r - 8]
    if mode == MODE_HYP and r == 14:
        return &env.elr_hyp
    if bank == bank_of_mode(cur):
        return &env.v[r]
    return &env.banked_r13[bank] if r == 13 else &env.banked_r14[bank]


cdef uint32_t banked_reg_read(CPUARMState *env, uint32_t enc) noexcept nogil:
    cdef uint32_t mode
    cdef int r
    if banked_decode(enc, &mode, &r) != 0:
        return 0   # UNPREDICTABLE encoding: the frontend rejects these
    return mode_reg_slot(env, mode, r)[0]


cdef void banked_reg_write(CPUARMState *env, uint32_t enc, uint32_t val) noexcept nogil:
    cdef uint32_t mode
    cdef int r
    if banked_decode(enc, &mode, &r) == 0:
        mode_reg_slot(env, mode, r)[0] = val


cdef void bx_write_pc(CPUARMState *env, uint32_t addr) noexcept nogil:
    if addr & 1:
        env.uncached_cpsr |= CPSR_T
        env.v[V_PC] = addr & ~1u
    else:
        env.uncached_cpsr &= ~CPSR_T
        env.v[V_PC] = addr & ~3u   # bits 1:0 == 0b10 is UNPREDICTABLE; force alignment


cdef void exception_return(CPUARMState *env, uint32_t pc, uint32_t cpsr) noexcept nogil:
    cpsr_write(env, cpsr, 0xffffffffu)
    if env.uncached_cpsr & CPSR_T:
        env.v[V_PC] = pc & ~1u
    else:
        env.v[V_PC] = pc & ~3u
    env.exit_request |= EXIT_REQ_IRQ


# ---------------------------------------------------------------------------
# exceptions (ARM ARM B1.8)

cdef void enter_exception(CPUARMState *env, uint32_t mode, uint32_t offset,
                          uint32_t lr, uint32_t mask_bits) noexcept nogil:
    cdef uint32_t old = cpsr_read(env)
    cdef uint32_t base
    cpsr_write(env, (old & ~CPSR_M) | mode, CPSR_M)
    env.spsr = old
    env.v[V_LR] = lr
    cdef uint32_t c = env.uncached_cpsr
    c &= ~(CPSR_IT_0_1 | CPSR_IT_2_7 | CPSR_J | CPSR_T | CPSR_E)
    c |= CPSR_I | mask_bits
    if env.sctlr & (1u << 30):   # SCTLR.TE: exceptions taken in Thumb state
        c |= CPSR_T
    if env.sctlr & (1u << 25):   # SCTLR.EE
        c |= CPSR_E
    env.uncached_cpsr = c
    base = 0xffff0000u if env.sctlr & (1u << 13) else (env.vbar & ~31u)
    env.v[V_PC] = base + offset


cdef void do_interrupt(CPUARMState *env) noexcept nogil:
    """Take env.exception_index.  For synchronous exceptions
    env.exception_pc is the address of the instruction that raised it;
    for interrupts v[15] is the next instruction to execute."""
    cdef int32_t excp = env.exception_index
    cdef uint32_t pc = env.exception_pc
    cdef uint32_t thumb = (env.uncached_cpsr & CPSR_T) != 0
    cdef uint32_t ret_insn = 2 if thumb else 4
    env.exception_index = EXCP_NONE
    if excp == EXCP_UDEF or excp == EXCP_HVC or excp == EXCP_SMC:
        # HVC/SMC that no firmware model served: this CPU implements neither EL2
        # nor EL3 entry here, so they are UNDEFINED (as on QEMU's virt board).
        enter_exception(env, MODE_UND, 0x04, pc + ret_insn, 0)
    elif excp == EXCP_SWI:
        enter_exception(env, MODE_SVC, 0x08, pc + ret_insn, 0)
    elif excp == EXCP_BKPT:
        env.ifsr = fsr_debug(env)      # debug event
        enter_exception(env, MODE_ABT, 0x0c, pc + 4, CPSR_A)
    elif excp == EXCP_PREFETCH_ABORT:
        enter_exception(env, MODE_ABT, 0x0c, pc + 4, CPSR_A)
    elif excp == EXCP_DATA_ABORT:
        enter_exception(env, MODE_ABT, 0x10, pc + 8, CPSR_A)
    elif excp == EXCP_IRQ:
        enter_exception(env, MODE_IRQ, 0x18, env.v[V_PC] + 4, CPSR_A)
    elif excp == EXCP_FIQ:
        enter_exception(env, MODE_FIQ, 0x1c, env.v[V_PC] + 4, CPSR_A | CPSR_F)


cdef int take_pending_interrupt(CPUARMState *env) noexcept nogil:
    """If an unmasked interrupt is pending, enter it; returns 1 if taken."""
    cdef uint32_t c = env.uncached_cpsr
    if (env.irq_lines & IRQ_LINE_FIQ) and not (c & CPSR_F):
        env.exception_index = EXCP_FIQ
    elif (env.irq_lines & IRQ_LINE_IRQ) and not (c & CPSR_I):
        env.exception_index = EXCP_IRQ
    else:
        return 0
    do_interrupt(env)
    return 1


# ---------------------------------------------------------------------------
# physical memory

cdef MemRegion *find_region(CPUARMState *env, uint32_t paddr) noexcept nogil:
    cdef int i
    cdef MemRegion *r
    for i in range(env.nregions):
        r = &env.regions[i]
        if paddr - r.base < r.size:
            return r
    return NULL


cdef void tlb_flush(CPUARMState *env) noexcept nogil:
    memset(env.tlb, 0xff, sizeof(env.tlb))   # 0xffffffff: TLB_INVALID set
    env.tlb_large_addr = 1                   # no large mapping cached (mmu.pxi)
    env.tlb_large_mask = 0
    # The jump cache maps virtual pcs to TBs; a new mapping invalidates it.
    memset(env.tb_jc, 0, sizeof(env.tb_jc))


cdef void tlb_flush_page_all(CPUARMState *env, uint32_t vpage) noexcept nogil:
    cdef int m
    cdef TLBEntry *e
    for m in range(NB_MMU_MODES):
        e = &env.tlb[m][(vpage >> TARGET_PAGE_BITS) & (TLB_SIZE - 1)]
        memset(e, 0xff, sizeof(TLBEntry))


DEF ACC_READ = 0
DEF ACC_WRITE = 1
DEF ACC_EXEC = 2


cdef int raise_abort(CPUARMState *env, uint32_t vaddr, int access, uint32_t fsr) noexcept nogil:
    if access == ACC_EXEC:
        env.ifsr = fsr & ~(1u << 11)
        env.ifar = vaddr
        env.exception_index = EXCP_PREFETCH_ABORT
    else:
        env.dfsr = fsr
        env.dfar = vaddr
        env.exception_index = EXCP_DATA_ABORT
    return 1


cdef int phys_read32(CPUARMState *env, uint32_t paddr, uint32_t *val) noexcept nogil:
    cdef MemRegion *r = find_region(env, paddr)
    if r == NULL or r.host == NULL or paddr - r.base > r.size - 4:
        return 1
    memcpy(val, r.host + (paddr - r.base), 4)
    return 0


# the MMU: walks (short-descriptor and LPAE), fault status, ATS, TLB maintenance
include "mmu.pxi"


cdef bint page_watched(CPUARMState *env, uint32_t vpage) noexcept nogil:
    cdef uint32_t i, first, last
    for i in range(env.nwatch):
        first = env.watch_addr[i] & TARGET_PAGE_MASK
        last = (env.watch_addr[i] + env.watch_len[i] - 1) & TARGET_PAGE_MASK
        if first <= vpage <= last:
            return True
    return False


cdef int watch_hit(CPUARMState *env, uint32_t va, uint32_t size, int access) noexcept nogil:
    """A debugger watchpoint matches this access: record it and stop
    before the access, with exception EXCP_DEBUG (ARM watchpoints are not
    steppable: the debugger steps over the instruction with them removed)."""
    cdef uint32_t kind = WATCH_WRITE if access == ACC_WRITE else WATCH_READ
    cdef uint32_t i, wa
    for i in range(env.nwatch):
        wa = env.watch_addr[i]
        # [va, va + size) overlaps [wa, wa + len) (unsigned differences)
        if (env.watch_kind[i] & kind) and (va - wa < env.watch_len[i] or wa - va < size):
            env.watch_hit_addr = va if va - wa < env.watch_len[i] else wa
            env.watch_hit_kind = kind
            env.exception_index = EXCP_DEBUG
            return 1
    return 0


cdef void tlb_set_entry(CPUARMState *env, uint32_t va, int mmu_idx, MemRegion *r,
                        uint32_t pa, uint32_t prot, uint32_t tags) noexcept nogil:
    """Cache the translation of va's page when it is RAM at least a page long
    (tags: what it depends on, TLBEntry.tags)."""
    cdef uint32_t vpage = va & TARGET_PAGE_MASK
    cdef uint32_t page_pa = pa & TARGET_PAGE_MASK
    cdef TLBEntry *e
    if r.host == NULL or page_pa - r.base > r.size - TARGET_PAGE_SIZE:
        return            # MMIO, or a region smaller than a page: slow path always
    e = &env.tlb[mmu_idx][(va >> TARGET_PAGE_BITS) & (TLB_SIZE - 1)]
    # Device/Strongly-ordered pages keep their fast path only while the
    # block checks alignment on every access (TBF_ALIGN: MMU off or SCTLR.A);
    # otherwise an unaligned access must reach the slow path, which faults.
    slow = TLB_SLOW if (prot & PROT_DEVICE) and (env.sctlr & 3) == 1 else 0
    if env.nwatch and page_watched(env, vpage):
        slow = TLB_SLOW       # every data access of the page is checked (watch_hit)
    e.addr_read = (vpage | slow) if prot & 1 else TLB_INVALID
    e.addr_code = vpage if prot & 4 else TLB_INVALID
    if (prot & 2) and not r.readonly:
        if r.code_bitmap[(page_pa - r.base) >> TARGET_PAGE_BITS]:
            e.addr_write = vpage | TLB_SLOW
        else:
            e.addr_write = vpage | slow
    else:
        e.addr_write = TLB_INVALID
    e.addend = <uintptr_t>(r.host + (page_pa - r.base)) - vpage
    e.tags = tags


cdef uint32_t tlb_translate(CPUARMState *env, uint32_t va, int access, int mmu_idx,
                           MemRegion **region_out, uint32_t *pa_out) noexcept nogil:
    """Translate va for access and cache the page in the TLB when it is RAM.
    Returns 0, or the FSR of the fault (nothing is raised)."""
    cdef MMUResult res
    cdef uint32_t pa, fsr
    cdef MemRegion *r
    fsr = get_phys_addr_r(env, va, access, mmu_idx, &res)
    if fsr:
        return fsr | (FSR_WNR if access == ACC_WRITE else 0)
    pa = <uint32_t>res.pa
    r = find_region(env, pa)
    if r == NULL:
        return fsr_external(env, access == ACC_WRITE)
    region_out[0] = r
    pa_out[0] = pa
    tlb_set_entry(env, va, mmu_idx, r, pa, res.prot, res.tags)
    tlb_note_large(env, va, res.lg_size)
    return 0


cdef int tlb_fill(CPUARMState *env, uint32_t va, int access, int mmu_idx,
                  MemRegion **region_out, uint32_t *pa_out) noexcept nogil:
    """tlb_translate, raising the guest abort on a fault (returns 1 then)."""
    cdef uint32_t fsr = tlb_translate(env, va, access, mmu_idx, region_out, pa_out)
    if fsr:
        return raise_abort(env, va, access, fsr)
    return 0


cdef uintptr_t code_host_page_slow(CPUARMState *env, uint32_t pc, int mmu_idx) noexcept nogil:
    """Host address of the RAM page pc executes from, filling the TLB; 0
    when pc cannot be fetched (the translator then raises the abort)."""
    cdef uint32_t pa
    cdef MemRegion *r
    cdef TLBEntry *e
    if tlb_translate(env, pc, ACC_EXEC, mmu_idx, &r, &pa) or r.host == NULL:
        return 0
    e = &env.tlb[mmu_idx][(pc >> TARGET_PAGE_BITS) & (TLB_SIZE - 1)]
    if e.addr_code != (pc & TARGET_PAGE_MASK):
        return 0           # a region smaller than a page is never cached
    return e.addend + (pc & TARGET_PAGE_MASK)


cdef inline uint32_t load_host(uint8_t *p, uint32_t size_log2) noexcept nogil:
    cdef uint32_t v32
    cdef uint16_t v16
    if size_log2 == 2:
        memcpy(&v32, p, 4)
        return v32
    if size_log2 == 1:
        memcpy(&v16, p, 2)
        return v16
    return p[0]


cdef inline void store_host(uint8_t *p, uint32_t size_log2, uint32_t val) noexcept nogil:
    cdef uint32_t v32 = val
    cdef uint16_t v16 = <uint16_t>val
    if size_log2 == 2:
        memcpy(p, &v32, 4)
    elif size_log2 == 1:
        memcpy(p, &v16, 2)
    else:
        p[0] = <uint8_t>val


cdef inline uint32_t finish_load(uint32_t val, uint32_t aux) noexcept nogil:
    """Byte order and sign extension of a loaded value (little-endian host)."""
    cdef uint32_t size_log2 = aux & MO_SIZE_MASK
    if aux & MO_BE:
        if size_log2 == 2:
            val = __builtin_bswap32(val)
        elif size_log2 == 1:
            val = ((val & 0xff) << 8) | ((val >> 8) & 0xff)
    if aux & MO_SIGN:
        if size_log2 == 0:
            val = <uint32_t><int32_t>(<int8_t>val)
        elif size_log2 == 1:
            val = <uint32_t><int32_t>(<int16_t>val)
    return val


cdef int access_one_page(CPUARMState *env, uint32_t addr, uint32_t size_log2, int access,
                         int mmu_idx, uint32_t *val) noexcept nogil:
    """One access that does not cross a page (little-endian value)."""
    cdef MemRegion *r
    cdef uint32_t pa, off
    cdef int rc
    if tlb_fill(env, addr, access, mmu_idx, &r, &pa):
        return 1
    if env.nwatch and watch_hit(env, addr, 1u << size_log2, access):
        return 1
    off = pa - r.base
    if off > r.size - (1u << size_log2):
        return raise_abort(env, addr, access, fsr_external(env, access == ACC_WRITE))
    if r.host != NULL:
        if access == ACC_WRITE:
            if r.readonly:
                if r.write != NULL:   # a ROM device (flash) in read-array mode: a command
                    if r.write(r.opaque, off, 1 << size_log2, val[0]):
                        return raise_abort(env, addr, access, fsr_external(env, True))
                return 0   # writes to ROM are ignored, as on QEMU's flash-less ROM
            if r.code_bitmap[off >> TARGET_PAGE_BITS] and range_has_code(r, off, 1u << size_log2):
                invalidate_code_range(env, r, off, 1u << size_log2)
            store_host(r.host + off, size_log2, val[0])
        else:
            val[0] = load_host(r.host + off, size_log2)
        return 0
    if access == ACC_WRITE:
        rc = r.write(r.opaque, off, 1 << size_log2, val[0])
    else:
        rc = r.read(r.opaque, off, 1 << size_log2, val)
    if rc:
        return raise_abort(env, addr, access, fsr_external(env, access == ACC_WRITE))
    return 0


cdef int raise_alignment_fault(CPUARMState *env, uint32_t addr, bint is_write) noexcept nogil:
    return raise_abort(env, addr, ACC_WRITE if is_write else ACC_READ,
                       fsr_alignment(env, is_write))


cdef inline bint misaligned(uint32_t addr, uint32_t aux, bint align_all) noexcept nogil:
    cdef uint32_t size_log2 = aux & MO_SIZE_MASK
    return (addr & ((1u << size_log2) - 1)) != 0 and ((aux & MO_ALIGN) or align_all)


cdef inline bint device_misaligned(CPUARMState *env, uint32_t addr, uint32_t size,
                                   int access, int mmu_idx) noexcept nogil:
    """Unaligned accesses to Device or Strongly-ordered memory always
    fault (ARM ARM A3.2.1), whatever SCTLR.A says.  The alignment fault
    comes after the walk's own faults (translation, Access flag) but before
    the domain and permission checks (pseudocode TranslateAddressV)."""
    cdef MMUResult r
    if (addr & (size - 1)) == 0:
        return False
    if mmu_translate(env, addr, access, mmu_idx == MMU_IDX_USER, &r) and not r.walked:
        return False        # the access itself reports the walk's fault
    return (r.attr & 0xf0) == 0


cdef int mem_load_slow(CPUARMState *env, uint32_t addr, uint32_t aux, int mmu_idx,
                       bint align_all, uint32_t *val) noexcept nogil:
    cdef uint32_t size_log2 = aux & MO_SIZE_MASK
    cdef uint32_t size = 1u << size_log2
    cdef uint32_t i, b, out = 0
    if misaligned(addr, aux, align_all) or device_misaligned(env, addr, size, ACC_READ, mmu_idx):
        return raise_alignment_fault(env, addr, False)
    if (addr & ~TARGET_PAGE_MASK) <= TARGET_PAGE_SIZE - size:
        if access_one_page(env, addr, size_log2, ACC_READ, mmu_idx, &out):
            return 1
    else:
        # crosses a page: byte by byte, little-endian assembly
        for i in range(size):
            if access_one_page(env, addr + i, 0, ACC_READ, mmu_idx, &b):
                return 1
            out |= (b & 0xff) << (8 * i)
    val[0] = finish_load(out, aux)
    return 0


cdef int mem_store_slow(CPUARMState *env, uint32_t addr, uint32_t aux, int mmu_idx,
                        bint align_all, uint32_t val) noexcept nogil:
    cdef uint32_t size_log2 = aux & MO_SIZE_MASK
    cdef uint32_t size = 1u << size_log2
    cdef uint32_t i, b, pa, prot
    if misaligned(addr, aux, align_all) or device_misaligned(env, addr, size, ACC_WRITE, mmu_idx):
        return raise_alignment_fault(env, addr, True)
    if aux & MO_BE:
        if size_log2 == 2:
            val = __builtin_bswap32(val)
        elif size_log2 == 1:
            val = ((val & 0xff) << 8) | ((val >> 8) & 0xff)
    if (addr & ~TARGET_PAGE_MASK) <= TARGET_PAGE_SIZE - size:
        return access_one_page(env, addr, size_log2, ACC_WRITE, mmu_idx, &val)
    # crosses a page: check both pages first so a fault leaves memory untouched
    i = 0
    while i < size:
        if get_phys_addr(env, addr + i, ACC_WRITE, mmu_idx, &pa, &prot) or find_region(env, pa) == NULL:
            b = 0
            return access_one_page(env, addr + i, 0, ACC_WRITE, mmu_idx, &b)
        i += size - 1
    for i in range(size):
        b = (val >> (8 * i)) & 0xff
        if access_one_page(env, addr + i, 0, ACC_WRITE, mmu_idx, &b):
            return 1
    return 0


cdef inline bint range_has_code(MemRegion *r, uint32_t off, uint32_t size) noexcept nogil:
    cdef uint32_t w = off >> 2
    cdef uint32_t last = (off + size - 1) >> 2
    while w <= last:
        if (r.code_words[w >> 3] >> (w & 7)) & 1:
            return True
        w += 1
    return False


cdef void invalidate_code_range(CPUARMState *env, MemRegion *r, uint32_t off,
                                uint32_t size) noexcept nogil:
    """A store is about to overwrite translated code: drop the TBs that
    overlap it (Python keeps the page -> TB index).  The running TB may be
    one of them; it is only unlinked, and finishes as translated."""
    with gil:
        (<object>env.machine)._invalidate_phys_range(r.base + off, size)


# MMIO devices written in Python: read(offset, size) -> int, write(offset, size, value)
cdef int py_mmio_read(void *opaque, uint32_t offset, int size, uint32_t *val) noexcept with gil:
    try:
        val[0] = (<object>opaque).read(offset, size) & 0xffffffff
        return 0
    except BaseException as e:
        _report_device_error(e)
        val[0] = 0
        return 0


cdef int py_mmio_write(void *opaque, uint32_t offset, int size, uint32_t val) noexcept with gil:
    try:
        (<object>opaque).write(offset, size, val)
        return 0
    except BaseException as e:
        _report_device_error(e)
        return 0


_live_cpus = weakref.WeakSet()


def _report_device_error(e):
    # A device model raising is a host-side bug (or Ctrl-C inside a callback):
    # stop the guest and let the run loop re-raise it, instead of losing it.
    for cpu in list(_live_cpus):
        if cpu.pending_error is None:
            cpu.pending_error = e
        cpu.request_stop()


# ---------------------------------------------------------------------------
# Python interface

_ENV_FIELDS = {}


cdef _record_fields(CPUARMState *e):
    cdef char *base = <char *>e
    f = _ENV_FIELDS
    f["uncached_cpsr"] = <char *>&e.uncached_cpsr - base
    f["elr_hyp"] = <char *>&e.elr_hyp - base
    f["spsr"] = <char *>&e.spsr - base
    f["midr"] = <char *>&e.midr - base
    f["mpidr"] = <char *>&e.mpidr - base
    f["revidr"] = <char *>&e.revidr - base
    f["sctlr"] = <char *>&e.sctlr - base
    f["actlr"] = <char *>&e.actlr - base
    f["cpacr"] = <char *>&e.cpacr - base
    f["nsacr"] = <char *>&e.nsacr - base
    f["scr"] = <char *>&e.scr - base
    f["vbar"] = <char *>&e.vbar - base
    f["mvbar"] = <char *>&e.mvbar - base
    f["ttbr0_lo"] = <char *>&e.ttbr0_lo - base
    f["ttbr0_hi"] = <char *>&e.ttbr0_hi - base
    f["ttbr1_lo"] = <char *>&e.ttbr1_lo - base
    f["ttbr1_hi"] = <char *>&e.ttbr1_hi - base
    f["ttbcr"] = <char *>&e.ttbcr - base
    f["dacr"] = <char *>&e.dacr - base
    f["dfsr"] = <char *>&e.dfsr - base
    f["ifsr"] = <char *>&e.ifsr - base
    f["dfar"] = <char *>&e.dfar - base
    f["ifar"] = <char *>&e.ifar - base
    f["par_lo"] = <char *>&e.par_lo - base
    f["par_hi"] = <char *>&e.par_hi - base
    f["prrr"] = <char *>&e.prrr - base
    f["nmrr"] = <char *>&e.nmrr - base
    f["amair0"] = <char *>&e.amair0 - base
    f["amair1"] = <char *>&e.amair1 - base
    f["contextidr"] = <char *>&e.contextidr - base
    f["tpidrurw"] = <char *>&e.tpidrurw - base
    f["tpidruro"] = <char *>&e.tpidruro - base
    f["tpidrprw"] = <char *>&e.tpidrprw - base
    f["csselr"] = <char *>&e.csselr - base
    f["fcseidr"] = <char *>&e.fcseidr - base
    f["cp15_reserved"] = <char *>&e.cp15_reserved[0] - base
    f["vfp_d"] = <char *>&e.vfp_d[0] - base
    f["fpscr"] = <char *>&e.fpscr - base
    f["fpexc"] = <char *>&e.fpexc - base
    f["exception_index"] = <char *>&e.exception_index - base
    f["exit_request"] = <char *>&e.exit_request - base
    f["icount"] = <char *>&e.icount - base
    f["icount_limit"] = <char *>&e.icount_limit - base
    f["tlb"] = <char *>&e.tlb[0][0] - base
    f["tb_jc"] = <char *>&e.tb_jc[0] - base
    f["v"] = <char *>&e.v[0] - base
    f["last_tb"] = <char *>&e.last_tb - base
    f["exception_arg"] = <char *>&e.exception_arg - base
    f["exception_pc"] = <char *>&e.exception_pc - base
    _record_timer_fields(e, f)      # runtime/timer_fns.pxi
    f["sizeof"] = sizeof(CPUARMState)
    f["sizeof_tlbentry"] = sizeof(TLBEntry)


cdef _record_tb_fields():
    cdef TB t
    cdef char *base = <char *>&t
    f = _TB_FIELDS
    f["native"] = <char *>&t.native - base
    f["jmp_dest"] = <char *>&t.jmp_dest[0] - base
    f["exec_count"] = <char *>&t.exec_count - base
    f["insn_count"] = <char *>&t.insn_count - base
    f["sizeof"] = sizeof(TB)


_TB_FIELDS = {}
_record_tb_fields()


def arch_state_names():
    """A name per 32-bit word of CPU.arch_state()."""
    cdef CPUARMState e
    cdef char *base = <char *>&e.uncached_cpsr
    names = ["r%d" % i for i in range(16)] + ["NF", "ZF", "CF", "VF", "QF", "GE",
                                               "excl_addr", "excl_val", "excl_hi"]
    arrays = [("banked_spsr", <Py_ssize_t>(<char *>&e.banked_spsr[0] - base), NUM_BANKS),
              ("banked_r13", <Py_ssize_t>(<char *>&e.banked_r13[0] - base), NUM_BANKS),
              ("banked_r14", <Py_ssize_t>(<char *>&e.banked_r14[0] - base), NUM_BANKS),
              ("usr_regs(r8-r12)", <Py_ssize_t>(<char *>&e.usr_regs[0] - base), 5),
              ("fiq_regs(r8-r12)", <Py_ssize_t>(<char *>&e.fiq_regs[0] - base), 5),
              ("cp15_reserved", <Py_ssize_t>(<char *>&e.cp15_reserved[0] - base), 32)]
    by_offset = {off: name for name, off in _ENV_FIELDS.items()}
    for name, p, n in arrays:
        for i in range(n):
            by_offset[_ENV_FIELDS["uncached_cpsr"] + p + 4 * i] = "%s[%d]" % (name, i)
    end = _ENV_FIELDS["exception_index"]
    for off in range(_ENV_FIELDS["uncached_cpsr"], end, 4):
        names.append(by_offset.get(off, "env+%d" % off))
    # then the VFP state: D<i> as two words (S<2i>, S<2i+1>), FPSCR, FPEXC
    names += ["d%d.%s" % (i, h) for i in range(32) for h in ("lo", "hi")] + ["fpscr", "fpexc"]
    return names


def tb_field_offset(name):
    """Byte offset of a TB field (cpu.h), for the JIT."""
    return _TB_FIELDS[name]


def runtime_symbols():
    """name -> host address of every C function generated code may call
    (backend/lower.py declares their prototypes)."""
    syms = {
        "mem_load_slow": <uintptr_t>mem_load_slow,
        "mem_store_slow": <uintptr_t>mem_store_slow,
        "raise_alignment_fault": <uintptr_t>raise_alignment_fault,
        "cpsr_read": <uintptr_t>cpsr_read,
        "cpsr_write": <uintptr_t>cpsr_write,
        "spsr_read": <uintptr_t>spsr_read,
        "spsr_write": <uintptr_t>spsr_write,
        "user_reg_read": <uintptr_t>user_reg_read,
        "user_reg_write": <uintptr_t>user_reg_write,
        "banked_reg_read": <uintptr_t>banked_reg_read,
        "banked_reg_write": <uintptr_t>banked_reg_write,
        "exception_return": <uintptr_t>exception_return,
        "bx_write_pc": <uintptr_t>bx_write_pc,
        "cp_read_dispatch": <uintptr_t>cp_read_dispatch,
        "cp_write_dispatch": <uintptr_t>cp_write_dispatch,
        "cp_read64_dispatch": <uintptr_t>cp_read64_dispatch,
        "cp_write64_dispatch": <uintptr_t>cp_write64_dispatch,
    }
    for i, name in enumerate(HELPER_NAMES):
        syms["helper_%d" % i] = <uintptr_t>HELPERS[i]
    for i, name in enumerate(VFP_OP_NAMES):
        syms["vfp_op_%d" % i] = <uintptr_t>VFP_OPS[i]
    return syms


cdef CPUARMState *_layout_probe = <CPUARMState *>calloc(1, sizeof(CPUARMState))
_record_fields(_layout_probe)
free(_layout_probe)


def env_field_offset(name):
    """Byte offset of a CPUARMState field (cpu.h), for ld_env/st_env and the JIT."""
    return _ENV_FIELDS[name]


def env_fields():
    return dict(_ENV_FIELDS)


REG_NAMES = {"r%d" % i: i for i in range(16)}
REG_NAMES.update(sp=13, lr=14, pc=15, ip=12, fp=11, sl=10, sb=9)
VFP_NAMES = {"%s%d" % (k, i): (k, i) for k in "sd" for i in range(32)}


cdef class CPU:
    """One ARMv7-A CPU with its memory map and translated code."""

    def __cinit__(self):
        self.env = <CPUARMState *>calloc(1, sizeof(CPUARMState))
        if self.env == NULL:
            raise MemoryError()
        self.env.machine = <void *>self
        self.ram_buffers = []
        self.mmio_devices = []
        self.romd_hosts = {}
        self.pending_error = None
        self.invalidate_hook = None
        _live_cpus.add(self)
        self.reset()
        gt_reset_run_state(self.env)

    def __dealloc__(self):
        if self.env != NULL and self.env.host_alarm != NULL:
            host_alarm_free(<HostAlarm *>self.env.host_alarm)
            self.env.host_alarm = NULL
        if self.env != NULL:
            free_all_tbs(self.env)
            free(self.env)
            self.env = NULL

    def reset(self):
        """Cortex-A15 reset state (ARM ARM B1.8.2): SVC mode, A/I/F masked."""
        cdef CPUARMState *e = self.env
        memset(e.v, 0, sizeof(e.v))
        e.v[V_ZF] = 1
        e.v[V_EXCL_ADDR] = 0xffffffffu
        e.uncached_cpsr = MODE_SVC | CPSR_A | CPSR_I | CPSR_F
        e.spsr = 0
        memset(e.banked_spsr, 0, sizeof(e.banked_spsr))
        memset(e.banked_r13, 0, sizeof(e.banked_r13))
        memset(e.banked_r14, 0, sizeof(e.banked_r14))
        memset(e.usr_regs, 0, sizeof(e.usr_regs))
        memset(e.fiq_regs, 0, sizeof(e.fiq_regs))
        e.midr = 0x414fc0f0u
        e.mpidr = 0x80000000u
        e.sctlr = 0x00c50078u
        memset(e.vfp_d, 0, sizeof(e.vfp_d))
        e.fpscr = 0
        e.fpexc = 0                 # EN clear: VFP disabled until software enables it
        e.exception_index = EXCP_NONE
        e.exit_request = 0
        e.irq_lines = 0
        e.halted = 0
        tlb_flush(e)

    # -- memory map
    def map_ram(self, uint32_t base, uint32_t size, readonly=False):
        """Back [base, base+size) with a zeroed host buffer; returns it."""
        self._check_region(base, size)
        buf = mmap.mmap(-1, size)   # anonymous: zeroed, committed only when touched
        bitmap = bytearray((size + TARGET_PAGE_SIZE - 1) >> TARGET_PAGE_BITS)
        words = mmap.mmap(-1, (size + 31) >> 5)
        self.ram_buffers.append((base, buf, bitmap, words))
        cdef MemRegion *r = &self.env.regions[self.env.nregions]
        cdef unsigned char[::1] view = buf
        cdef unsigned char[::1] bview = bitmap
        cdef unsigned char[::1] wview = words
        r.base = base
        r.size = size
        r.host = &view[0]
        r.code_bitmap = &bview[0]
        r.code_words = &wview[0]
        r.readonly = 1 if readonly else 0
        r.read = NULL
        r.write = NULL
        r.opaque = NULL
        self.env.nregions += 1
        tlb_flush(self.env)
        return buf

    def map_romd(self, uint32_t base, uint32_t size, device):
        """A ROM device (QEMU's romd regions, e.g. CFI flash): reads come from
        the returned host buffer while in ROM mode, and every write goes to
        device.write as a command; set_romd(base, False) turns reads into
        device.read calls too (the flash answers a command)."""
        buf = self.map_ram(base, size, readonly=True)
        cdef MemRegion *r = &self.env.regions[self.env.nregions - 1]
        self.mmio_devices.append(device)
        self.romd_hosts[base] = <uintptr_t>r.host
        r.read = py_mmio_read
        r.write = py_mmio_write
        r.opaque = <void *>device
        return buf

    def set_romd(self, uint32_t base, bint rom_mode):
        cdef MemRegion *r = find_region(self.env, base)
        if r == NULL or base not in self.romd_hosts:
            raise ValueError("no ROM device mapped at 0x%08x" % base)
        r.host = <uint8_t *><uintptr_t>self.romd_hosts[base] if rom_mode else NULL
        tlb_flush(self.env)

    def map_mmio(self, uint32_t base, uint32_t size, device):
        """device.read(offset, size) -> int, device.write(offset, size, value);
        a CMMIO device (the GIC's views) is served by its C functions."""
        self._check_region(base, size)
        self.mmio_devices.append(device)
        cdef MemRegion *r = &self.env.regions[self.env.nregions]
        r.base = base
        r.size = size
        r.host = NULL
        r.code_bitmap = NULL
        r.code_words = NULL
        r.readonly = 0
        r.read = py_mmio_read
        r.write = py_mmio_write
        r.opaque = <void *>device
        if isinstance(device, CMMIO):
            r.read = (<CMMIO>device).c_read
            r.write = (<CMMIO>device).c_write
            r.opaque = (<CMMIO>device).c_opaque
        self.env.nregions += 1
        tlb_flush(self.env)

    def _check_region(self, base, size):
        if size == 0 or base + size > 1 << 32:
            raise ValueError("region 0x%x+0x%x does not fit the 32-bit address space" % (base, size))
        if self.env.nregions >= MAX_REGIONS:
            raise ValueError("too many memory regions")
        for i in range(self.env.nregions):
            r = self.env.regions[i]
            if base < r.base + r.size and r.base < base + size:
                raise ValueError("region 0x%x+0x%x overlaps 0x%x+0x%x" % (base, size, r.base, r.size))

    def regions(self):
        return [(self.env.regions[i].base, self.env.regions[i].size,
                 self.env.regions[i].host != NULL) for i in range(self.env.nregions)]

    def _ram_at(self, uint32_t addr, uint32_t n):
        for base, buf, bitmap, words in self.ram_buffers:
            if base <= addr and addr + n <= base + len(buf):
                return base, buf, bitmap
        raise ValueError("0x%08x+%d is not inside RAM" % (addr, n))

    def phys_read(self, uint32_t addr, uint32_t n):
        base, buf, _ = self._ram_at(addr, n)
        return bytes(buf[addr - base:addr - base + n])

    def phys_write(self, uint32_t addr, data):
        data = bytes(data)
        base, buf, bitmap = self._ram_at(addr, len(data))
        cdef MemRegion *r = find_region(self.env, addr)
        if data and r.code_bitmap != NULL:
            # invalidate before writing, page by page, where code was translated
            off = addr - base
            end = off + len(data)
            while off < end:
                chunk = min(end, (off | (TARGET_PAGE_SIZE - 1)) + 1) - off
                if bitmap[off >> TARGET_PAGE_BITS] and range_has_code(r, off, chunk):
                    self._invalidate_phys_range(base + off, chunk)
                off += chunk
        buf[addr - base:addr - base + len(data)] = data

    def translate_address(self, uint32_t va, int access=0, bint user=False):
        """(pa, None) or (None, FSR of the fault, WnR clear) for a debugger-style lookup."""
        cdef uint32_t pa, prot
        cdef int fs = get_phys_addr(self.env, va, access, MMU_IDX_USER if user else MMU_IDX_PRIV,
                                    &pa, &prot)
        return (None, fs) if fs else (pa, None)

    def virt_read(self, uint32_t va, uint32_t n):
        """Read guest-virtual memory (privileged view), for semihosting."""
        out = bytearray()
        for i in range(n):
            pa, fs = self.translate_address(va + i)
            if pa is None:
                raise ValueError("0x%08x is not mapped" % (va + i))
            out += self.phys_read(pa, 1)
        return bytes(out)

    def virt_write(self, uint32_t va, data):
        for i, byte in enumerate(bytes(data)):
            pa, fs = self.translate_address(va + i, 1)
            if pa is None:
                raise ValueError("0x%08x is not mapped" % (va + i))
            self.phys_write(pa, bytes([byte]))

    def fetch_insn(self, uint32_t va, uint32_t size=4):
        """(value, pa) of the size-byte instruction unit at va (a 4-byte A32
        word or a 2-byte T32 halfword), or (None, ifsr) on a prefetch
        abort.  Used by the translator."""
        cdef CPUARMState *e = self.env
        cdef uint32_t pa, word = 0
        cdef MemRegion *r
        cdef int mmu = MMU_IDX_USER if (e.uncached_cpsr & CPSR_M) == MODE_USR else MMU_IDX_PRIV
        cdef uint32_t fsr = tlb_translate(e, va, ACC_EXEC, mmu, &r, &pa)
        if fsr:
            return None, fsr
        if size != 2:
            size = 4
        if r.host == NULL or pa - r.base > r.size - size:
            return None, fsr_external(e, False)
        memcpy(&word, r.host + (pa - r.base), size)
        return word, pa

    def mark_code(self, uint32_t pa, uint32_t size):
        """Record that [pa, pa+size) (within one page) holds translated code."""
        cdef MemRegion *r = find_region(self.env, pa)
        cdef uint32_t off, w
        if r == NULL or r.host == NULL:
            return
        off = pa - r.base
        for w in range(off >> 2, (off + size + 3) >> 2):
            r.code_words[w >> 3] |= 1 << (w & 7)
        if not r.code_bitmap[off >> TARGET_PAGE_BITS]:
            r.code_bitmap[off >> TARGET_PAGE_BITS] = 1
            tlb_flush(self.env)   # write entries of this page must go slow now

    def clear_code_page(self, uint32_t pa):
        """Forget the code marks of pa's page (before re-marking what stays)."""
        cdef MemRegion *r = find_region(self.env, pa)
        cdef uint32_t off
        if r == NULL or r.host == NULL:
            return
        off = (pa - r.base) & TARGET_PAGE_MASK
        r.code_bitmap[off >> TARGET_PAGE_BITS] = 0
        memset(r.code_words + (off >> 5), 0, TARGET_PAGE_SIZE >> 5)
        tlb_flush(self.env)

    def _invalidate_phys_range(self, uint32_t pa, uint32_t size):
        if self.invalidate_hook is not None:
            self.invalidate_hook(pa, size)

    # -- registers
    def reg_read(self, name):
        cdef CPUARMState *e = self.env
        if isinstance(name, int):
            return e.v[name]
        name = name.lower()
        if name in REG_NAMES:
            return e.v[REG_NAMES[name]]
        if name == "cpsr":
            return cpsr_read(e)
        if name == "apsr":
            return cpsr_read(e) & 0xf80f0000u
        if name == "spsr":
            return e.spsr
        if name in VFP_NAMES:       # s0-s31: words of the D registers; d0-d31: 64-bit
            kind, n = VFP_NAMES[name]
            if kind == "d":
                return e.vfp_d[n]
            return (e.vfp_d[n >> 1] >> (32 * (n & 1))) & 0xffffffffu
        if name in _ENV_FIELDS:
            return self.env_read32(_ENV_FIELDS[name])
        raise KeyError("unknown register %r" % name)

    def reg_write(self, name, value):
        cdef CPUARMState *e = self.env
        cdef int n
        if isinstance(name, str) and name.lower() in VFP_NAMES:
            kind, n = VFP_NAMES[name.lower()]
            if kind == "d":
                e.vfp_d[n] = <uint64_t>value
            else:
                e.vfp_d[n >> 1] = ((e.vfp_d[n >> 1] & ~(<uint64_t>0xffffffffu << (32 * (n & 1))))
                                   | (<uint64_t>(<uint32_t>value) << (32 * (n & 1))))
            return
        self._reg_write32(name, value)

    def _reg_write32(self, name, uint32_t value):
        cdef CPUARMState *e = self.env
        if isinstance(name, int):
            e.v[name] = value
            return
        name = name.lower()
        if name in REG_NAMES:
            e.v[REG_NAMES[name]] = value
        elif name == "cpsr":
            cpsr_write(e, value, 0xffffffffu)
        elif name == "apsr":
            cpsr_write(e, value, 0xf80f0000u)
        elif name == "spsr":
            e.spsr = value
        elif name in _ENV_FIELDS and name not in ("tlb", "tb_jc", "v", "sizeof"):
            self.env_write32(_ENV_FIELDS[name], value)
            if name in ("sctlr", "ttbr0_lo", "ttbr1_lo", "ttbcr", "dacr", "prrr",
                        "nmrr", "ttbr0_hi", "ttbr1_hi", "contextidr"):
                tlb_flush(e)
        else:
            raise KeyError("unknown register %r" % name)
        e.exit_request |= EXIT_REQ_IRQ

    def env_read32(self, uint32_t offset):
        if offset > sizeof(CPUARMState) - 4:
            raise ValueError("offset outside the CPU state")
        return (<uint32_t *>(<char *>self.env + offset))[0]

    def env_write32(self, uint32_t offset, uint32_t value):
        if offset > sizeof(CPUARMState) - 4:
            raise ValueError("offset outside the CPU state")
        (<uint32_t *>(<char *>self.env + offset))[0] = value

    def banked_read(self, uint32_t mode, int r):
        """Register r (0-15, 16 = SPSR) as seen in `mode`."""
        return mode_reg_slot(self.env, mode, r)[0]

    def banked_write(self, uint32_t mode, int r, uint32_t value):
        mode_reg_slot(self.env, mode, r)[0] = value

    # -- debugger watchpoints
    def set_watchpoints(self, watches):
        """[(virtual address, length, WATCH_READ|WATCH_WRITE)], at most
        MAX_WATCHPOINTS; [] removes them.  The soft TLB is flushed so the
        watched pages take the slow path from now on (and the others stop)."""
        cdef CPUARMState *e = self.env
        cdef uint32_t i
        if len(watches) > MAX_WATCHPOINTS:
            raise ValueError("at most %d watchpoints" % MAX_WATCHPOINTS)
        for i, (addr, length, kind) in enumerate(watches):
            e.watch_addr[i] = addr
            e.watch_len[i] = max(1, length)
            e.watch_kind[i] = kind
        e.nwatch = len(watches)
        tlb_flush(e)

    property watch_hit:
        """(address, WATCH_READ or WATCH_WRITE) of the last watchpoint hit."""
        def __get__(self):
            return self.env.watch_hit_addr, self.env.watch_hit_kind

    # -- run control
    def request_stop(self):
        self.env.exit_request |= EXIT_REQ_STOP

    def set_irq_line(self, int line, bint level):
        if level:
            self.env.irq_lines |= line
        else:
            self.env.irq_lines &= ~line
        self.env.exit_request |= EXIT_REQ_IRQ

    def raise_prefetch_abort(self, uint32_t pc, uint32_t fsr, ifar=None):
        """A fetch for the instruction at pc failed while translating: record
        the prefetch abort as pending (taken by do_pending_exception),
        counted as one instruction like every exception-raising one.  ifar
        is the faulting address when it is not pc (the second halfword of a
        T32 instruction that crosses into an unmapped page)."""
        cdef CPUARMState *e = self.env
        e.ifsr = fsr
        e.ifar = pc if ifar is None else ifar
        e.exception_index = EXCP_PREFETCH_ABORT
        e.exception_pc = pc
        e.exception_arg = 0
        e.icount += 1

    property icount:
        def __get__(self):
            return self.env.icount
        def __set__(self, uint64_t v):
            self.env.icount = v

    property icount_limit:
        """The run's budget; the exec loop stops earlier at the generic
        timer's deadline (env.gt_deadline_icount), which it serves in C."""
        def __get__(self):
            return self.env.icount_limit_run
        def __set__(self, uint64_t v):
            self.env.icount_limit_run = v
            self.env.icount_limit = min(v, self.env.gt_deadline_icount)

    property exception_index:
        def __get__(self):
            return self.env.exception_index
        def __set__(self, int v):
            self.env.exception_index = v

    property exception_pc:
        def __get__(self):
            return self.env.exception_pc

    property exception_arg:
        def __get__(self):
            return self.env.exception_arg

    property miss:
        def __get__(self):
            return self.env.miss_pc, self.env.miss_flags

    property exit_request:
        def __get__(self):
            return self.env.exit_request
        def __set__(self, uint32_t v):
            self.env.exit_request = v

    property semihosting:
        def __get__(self):
            return bool(self.env.semihosting)
        def __set__(self, v):
            self.env.semihosting = 1 if v else 0

    def tb_flags(self):
        return tb_flags_of(self.env)

    def env_address(self):
        return <uintptr_t>self.env

    # -- translation blocks
    def install_tb(self, uint32_t pc, uint32_t flags, bytes ops, op_pc, op_insn,
                   uint32_t ninsns, uint32_t size, uint32_t tb_id, uint32_t phys_pc):
        """Create a C TB from packed IR and enter it in the lookup table.
        Returns its address (an int) for later invalidation."""
        cdef uint32_t nops = len(ops) // sizeof(IROp)
        cdef MemRegion *r = find_region(self.env, phys_pc)
        if r == NULL or r.host == NULL:
            raise ValueError("code at 0x%08x is not in RAM" % phys_pc)
        cdef TB *tb = <TB *>calloc(1, sizeof(TB))
        if tb == NULL:
            raise MemoryError()
        tb.ops = <IROp *>malloc(len(ops))
        tb.op_pc = <uint32_t *>malloc(4 * nops)
        tb.op_insn = <uint16_t *>malloc(2 * nops)
        if tb.ops == NULL or tb.op_pc == NULL or tb.op_insn == NULL:
            free_tb(tb)
            raise MemoryError()
        memcpy(tb.ops, <char *>ops, len(ops))
        for i in range(nops):
            tb.op_pc[i] = op_pc[i]
            tb.op_insn[i] = op_insn[i]
        tb.pc = pc
        tb.flags = flags
        tb.nops = nops
        tb.ninsns = ninsns
        tb.size = size
        tb.id = tb_id
        tb.host_page = <uintptr_t>(r.host + ((phys_pc & TARGET_PAGE_MASK) - r.base))
        cdef uint32_t h = tb_hash_of(pc, flags)
        tb.hash_next = self.env.tb_hash[h]
        self.env.tb_hash[h] = tb
        return <uintptr_t>tb

    def has_tb(self, uint32_t pc, uint32_t flags, uint32_t phys_pc):
        """A live TB for (pc, flags) whose code is at phys_pc (the exec
        loop's lookup key: pc, flags and the host page of the code)."""
        cdef MemRegion *r = find_region(self.env, phys_pc)
        if r == NULL or r.host == NULL:
            return False
        cdef uintptr_t host = <uintptr_t>(r.host + ((phys_pc & TARGET_PAGE_MASK) - r.base))
        cdef TB *tb = self.env.tb_hash[tb_hash_of(pc, flags)]
        while tb != NULL:
            if tb.pc == pc and tb.flags == flags and tb.host_page == host:
                return True
            tb = tb.hash_next
        return False

    def invalidate_tb(self, uintptr_t addr):
        """Unlink a TB so it is never entered again.  Its memory stays
        until flush_tbs(): a TB may be running when its page is written."""
        cdef TB *tb = <TB *>addr
        cdef TB **pp = &self.env.tb_hash[tb_hash_of(tb.pc, tb.flags)]
        tb.invalid = 1
        while pp[0] != NULL:
            if pp[0] == tb:
                pp[0] = tb.hash_next
                break
            pp = &pp[0].hash_next
        cdef uint32_t j = tb_jc_of(tb.pc)
        if self.env.tb_jc[j] == tb:
            self.env.tb_jc[j] = NULL
        # native code chains only to TBs whose native pointer is set, so
        # clearing it unlinks this block from every compiled predecessor
        tb.native = NULL

    def flush_tbs(self):
        """Free every TB (call only between runs, never from a helper)."""
        free_all_tbs(self.env)

    def tb_counters(self, uintptr_t addr):
        cdef TB *tb = <TB *>addr
        return tb.exec_count, tb.insn_count

    def set_tb_native(self, uintptr_t addr, uintptr_t fn, bint baseline=False):
        """Install compiled code for a live TB (fn = 0 drops it); baseline:
        quick code that queues the block for the optimising tier when hot."""
        cdef TB *tb = <TB *>addr
        if tb.invalid:
            return False
        tb.native = <void *>fn
        tb.jit_state = (JIT_BASELINE if baseline else JIT_NATIVE) if fn else JIT_COLD
        return True

    def arch_state(self):
        """The architectural state as bytes: guest globals v[0..24], then
        CPSR/SPSR, the banked registers and the cp15 fields (cpu.h order),
        then D0-D31, FPSCR and FPEXC.
        Two CPUs agree when these bytes are equal (armtcg compare)."""
        cdef CPUARMState *e = self.env
        cdef char *start = <char *>&e.uncached_cpsr
        cdef char *end = <char *>&e.exception_index
        cdef char *vfp = <char *>&e.vfp_d[0]
        return ((<char *>&e.v[0])[:4 * (V_EXCL_HI + 1)] + start[:end - start]
                + vfp[:sizeof(e.vfp_d)] + (<char *>&e.fpscr)[:4] + (<char *>&e.fpexc)[:4])

    def tb_jit_state(self, uintptr_t addr):
        """JIT_COLD, JIT_QUEUED, JIT_NATIVE or JIT_BASELINE (runtime.abi)."""
        return (<TB *>addr).jit_state

    def tb_is_native(self, uintptr_t addr):
        return (<TB *>addr).native != NULL

    def tb_is_valid(self, uintptr_t addr):
        return not (<TB *>addr).invalid

    property jit_threshold:
        """Interpreted executions before a block is queued for the JIT (0 = never)."""
        def __get__(self):
            return self.env.jit_threshold
        def __set__(self, uint32_t v):
            self.env.jit_threshold = v

    def jit_queue_pop(self, int max_n=1 << 30):
        """TB ids the exec loop queued as hot (consumer side of the ring)."""
        cdef CPUARMState *e = self.env
        out = []
        while e.jit_q_tail != e.jit_q_head and len(out) < max_n:
            out.append(e.jit_queue[e.jit_q_tail % JIT_QUEUE_SIZE])
            e.jit_q_tail = e.jit_q_tail + 1
        return out


cdef void free_tb(TB *tb) noexcept nogil:
    free(tb.ops)
    free(tb.op_pc)
    free(tb.op_insn)
    free(tb)


cdef void free_all_tbs(CPUARMState *env) noexcept nogil:
    # Invalidated TBs are unlinked from the hash but still allocated: the
    # Python side frees those through its own list (see tcg/tbcache.py).
    cdef int i
    cdef TB *tb
    cdef TB *nxt
    for i in range(TB_HASH_SIZE):
        tb = env.tb_hash[i]
        while tb != NULL:
            nxt = tb.hash_next
            free_tb(tb)
            tb = nxt
        env.tb_hash[i] = NULL
    memset(env.tb_jc, 0, sizeof(env.tb_jc))
    env.last_tb = NULL
    env.jit_q_tail = env.jit_q_head


def free_unlinked_tb(uintptr_t addr):
    """Free a TB that invalidate_tb() already unlinked."""
    free_tb(<TB *>addr)
