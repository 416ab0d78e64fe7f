# cp15 register access at run time: the C half of runtime/cp15.py.
#
# Included textually by runtime/core.pyx (sees CPUARMState, tlb_flush and
# EXCP_UDEF from core.pxd).  cp15_install() turns the Python table into one
# CPSlot per table index; the generated code and the interpreter call the
# four dispatch functions with that index (imm of cp_read/cp_write), which
# reach a field, a constant or a function pointer without touching Python.
# Permissions were checked at translate time; only an accessfn (run-time
# state) is checked here.

from libc.stdint cimport uint32_t, int32_t
from libc.string cimport memset

ctypedef int (*cp_readfn_t)(CPUARMState *env, uint32_t idx, uint32_t *val) noexcept nogil
ctypedef int (*cp_writefn_t)(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil
ctypedef int (*cp_read64fn_t)(CPUARMState *env, uint32_t idx,
                              uint32_t *lo, uint32_t *hi) noexcept nogil
ctypedef int (*cp_write64fn_t)(CPUARMState *env, uint32_t idx,
                               uint32_t lo, uint32_t hi) noexcept nogil
ctypedef int (*cp_accessfn_t)(CPUARMState *env, uint32_t idx, int is_read) noexcept nogil

cdef enum:
    # KIND_* of runtime/cp15.py
    CP_KIND_UNDEF = 0
    CP_KIND_CONST = 1
    CP_KIND_FIELD = 2
    CP_KIND_FN = 3
    CP_KIND_NOP = 4
    CP_MAX_REGS = 512
    CP_NUM_VALUES = 16
    # SCTLR bits whose change invalidates cached translations: M, WXN, UWXN,
    # EE (walk endianness), TRE, AFE.
    CP_SCTLR_TLB_BITS = 0x32180001

ctypedef struct CPSlot:
    uint32_t kind
    uint32_t is64
    uint32_t readable
    uint32_t writable
    uint32_t has_field
    uint32_t off_lo, off_hi        # byte offsets of the state in CPUARMState
    uint32_t mask_lo, mask_hi      # writable bits
    uint32_t fixed_lo, fixed_hi    # value of the other bits
    uint32_t const_lo, const_hi    # CONST value
    cp_readfn_t readfn
    cp_writefn_t writefn
    cp_read64fn_t readfn64
    cp_write64fn_t writefn64
    cp_accessfn_t accessfn
    uint32_t values[CP_NUM_VALUES]  # per-selector data (CCSIDR by CSSELR)

cdef CPSlot cp_slots[CP_MAX_REGS]
cdef uint32_t cp_nslots = 0


# -- small pieces ------------------------------------------------------------

cdef inline uint32_t *cp_field(CPUARMState *env, uint32_t off) noexcept nogil:
    return <uint32_t *>(<char *>env + off)


cdef inline int cp_undef(CPUARMState *env) noexcept nogil:
    env.exception_index = EXCP_UDEF
    return 1


cdef inline uint32_t cp_store_lo(CPUARMState *env, CPSlot *s, uint32_t val) noexcept nogil:
    """Store the writable bits of val; returns the previous value."""
    cdef uint32_t *p = cp_field(env, s.off_lo)
    cdef uint32_t old = p[0]
    p[0] = (val & s.mask_lo) | s.fixed_lo
    return old


cdef inline uint32_t cp_store_hi(CPUARMState *env, CPSlot *s, uint32_t val) noexcept nogil:
    cdef uint32_t *p = cp_field(env, s.off_hi)
    cdef uint32_t old = p[0]
    p[0] = (val & s.mask_hi) | s.fixed_hi
    return old


# -- register functions (named by readfn/writefn in runtime/cp15.py) ---------

cdef int cp_ccsidr_read(CPUARMState *env, uint32_t idx, uint32_t *val) noexcept nogil:
    # CSSELR = Level << 1 | InD; unimplemented caches read as 0 (UNKNOWN)
    val[0] = cp_slots[idx].values[env.csselr & (CP_NUM_VALUES - 1)]
    return 0


cdef int cp_sctlr_write(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil:
    cdef uint32_t old = cp_store_lo(env, &cp_slots[idx], val)
    if (old ^ env.sctlr) & CP_SCTLR_TLB_BITS:
        tlb_flush(env)
    return 0


cdef int cp_field_write_flush(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil:
    # state the soft TLB depends on (TTBRx, TTBCR, DACR, ASID): it is not
    # tagged by ASID or table base, so a change empties it
    cdef CPSlot *s = &cp_slots[idx]
    if cp_store_lo(env, s, val) != cp_field(env, s.off_lo)[0]:
        tlb_flush(env)
    return 0


cdef int cp_field_write_flush64(CPUARMState *env, uint32_t idx,
                                uint32_t lo, uint32_t hi) noexcept nogil:
    cdef CPSlot *s = &cp_slots[idx]
    cdef bint changed = cp_store_lo(env, s, lo) != cp_field(env, s.off_lo)[0]
    if cp_store_hi(env, s, hi) != cp_field(env, s.off_hi)[0]:
        changed = True
    if changed:
        tlb_flush(env)
    return 0


cdef int cp_tlb_flush_all(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil:
    tlb_flush(env)
    return 0


# -- functions by name -------------------------------------------------------
# A table row names its functions; each name maps to one CPFns holding the
# 32- and/or 64-bit variants.  Other .pxi files (timer, PMU, ...) add theirs
# with cp_register_fns() before cp15_install() runs.

ctypedef struct CPFns:
    cp_readfn_t read
    cp_writefn_t write
    cp_read64fn_t read64
    cp_write64fn_t write64
    cp_accessfn_t access

cdef enum:
    CP_MAX_FNS = 64

cdef CPFns cp_fns[CP_MAX_FNS]
CP_FN_IDS = {}


cdef void cp_register_fns(str name, cp_readfn_t read, cp_writefn_t write,
                          cp_read64fn_t read64, cp_write64fn_t write64,
                          cp_accessfn_t access) except *:
    cdef int i = CP_FN_IDS.get(name, len(CP_FN_IDS))
    if i >= CP_MAX_FNS:
        raise ValueError("too many cp15 functions")
    cp_fns[i].read, cp_fns[i].write = read, write
    cp_fns[i].read64, cp_fns[i].write64 = read64, write64
    cp_fns[i].access = access
    CP_FN_IDS[name] = i


cdef CPFns *cp_fns_named(e, str role) except NULL:
    name = e[role]
    if name not in CP_FN_IDS:
        raise ValueError("cp15 %s: unknown %s %r" % (e["name"], role, name))
    return &cp_fns[<int>CP_FN_IDS[name]]


cdef void cp_bind_fns(CPSlot *s, e) except *:
    """Function pointers for the names in table entry e."""
    cdef CPFns *f
    if e["readfn"] is not None:
        f = cp_fns_named(e, "readfn")
        if s.is64:
            s.readfn64 = f.read64
        else:
            s.readfn = f.read
        if s.readfn == NULL and s.readfn64 == NULL:
            raise ValueError("cp15 %s: %s has no %d-bit read" % (e["name"], e["readfn"], 64 if s.is64 else 32))
    if e["writefn"] is not None:
        f = cp_fns_named(e, "writefn")
        if s.is64:
            s.writefn64 = f.write64
        else:
            s.writefn = f.write
        if s.writefn == NULL and s.writefn64 == NULL:
            raise ValueError("cp15 %s: %s has no %d-bit write" % (e["name"], e["writefn"], 64 if s.is64 else 32))
    if e["accessfn"] is not None:
        s.accessfn = cp_fns_named(e, "accessfn").access
        if s.accessfn == NULL:
            raise ValueError("cp15 %s: %s is no accessfn" % (e["name"], e["accessfn"]))


cdef int cp_teehbr_access(CPUARMState *env, uint32_t idx, int is_read) noexcept nogil:
    # TEECR.XED: PL0 access to TEEHBR is UNDEF (ARM ARM A2.10)
    return 1 if (env.uncached_cpsr & CPSR_M) == MODE_USR and (env.teecr & 1) else 0


cp_register_fns("teehbr_access", NULL, NULL, NULL, NULL, cp_teehbr_access)
cp_register_fns("ccsidr_read", cp_ccsidr_read, NULL, NULL, NULL, NULL)
cp_register_fns("sctlr_write", NULL, cp_sctlr_write, NULL, NULL, NULL)
cp_register_fns("field_write_flush", NULL, cp_field_write_flush, NULL, cp_field_write_flush64, NULL)
cp_register_fns("tlb_flush_all", NULL, cp_tlb_flush_all, NULL, NULL, NULL)


# -- dispatch (the IR ops cp_read, cp_write, cp_read64, cp_write64) -----------

cdef int cp_read_dispatch(CPUARMState *env, uint32_t idx, uint32_t *val) noexcept nogil:
    cdef CPSlot *s
    if idx >= cp_nslots:
        return cp_undef(env)
    s = &cp_slots[idx]
    if s.is64 or not s.readable:
        return cp_undef(env)
    if s.accessfn != NULL and s.accessfn(env, idx, 1) != 0:
        return cp_undef(env)
    if s.readfn != NULL:
        return s.readfn(env, idx, val)
    if s.kind == CP_KIND_CONST:
        val[0] = s.const_lo
    elif s.has_field:
        val[0] = cp_field(env, s.off_lo)[0]
    else:
        return cp_undef(env)
    return 0


cdef int cp_write_dispatch(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil:
    cdef CPSlot *s
    if idx >= cp_nslots:
        return cp_undef(env)
    s = &cp_slots[idx]
    if s.is64 or not s.writable:
        return cp_undef(env)
    if s.accessfn != NULL and s.accessfn(env, idx, 0) != 0:
        return cp_undef(env)
    if s.writefn != NULL:
        return s.writefn(env, idx, val)
    if s.kind == CP_KIND_CONST or s.kind == CP_KIND_NOP:
        return 0
    if s.has_field:
        cp_store_lo(env, s, val)
        return 0
    return cp_undef(env)


cdef int cp_read64_dispatch(CPUARMState *env, uint32_t idx,
                            uint32_t *lo, uint32_t *hi) noexcept nogil:
    cdef CPSlot *s
    if idx >= cp_nslots:
        return cp_undef(env)
    s = &cp_slots[idx]
    if not s.is64 or not s.readable:
        return cp_undef(env)
    if s.accessfn != NULL and s.accessfn(env, idx, 1) != 0:
        return cp_undef(env)
    if s.readfn64 != NULL:
        return s.readfn64(env, idx, lo, hi)
    if s.kind == CP_KIND_CONST:
        lo[0] = s.const_lo
        hi[0] = s.const_hi
    elif s.has_field:
        lo[0] = cp_field(env, s.off_lo)[0]
        hi[0] = cp_field(env, s.off_hi)[0]
    else:
        return cp_undef(env)
    return 0


cdef int cp_write64_dispatch(CPUARMState *env, uint32_t idx,
                             uint32_t lo, uint32_t hi) noexcept nogil:
    cdef CPSlot *s
    if idx >= cp_nslots:
        return cp_undef(env)
    s = &cp_slots[idx]
    if not s.is64 or not s.writable:
        return cp_undef(env)
    if s.accessfn != NULL and s.accessfn(env, idx, 0) != 0:
        return cp_undef(env)
    if s.writefn64 != NULL:
        return s.writefn64(env, idx, lo, hi)
    if s.kind == CP_KIND_CONST or s.kind == CP_KIND_NOP:
        return 0
    if s.has_field:
        cp_store_lo(env, s, lo)
        cp_store_hi(env, s, hi)
        return 0
    return cp_undef(env)


# -- Python side ---------------------------------------------------------------

def cp15_install(entries):
    """Fill the C slots from runtime.cp15.CP15Table.c_entries() (index = slot)."""
    global cp_nslots
    cdef CPSlot *s
    cdef int i
    if len(entries) > CP_MAX_REGS:
        raise ValueError("cp15 table has %d registers, the C side holds %d"
                         % (len(entries), CP_MAX_REGS))
    cp_nslots = 0          # nothing dispatches while the table is half-built
    for i, e in enumerate(entries):
        s = &cp_slots[i]
        memset(s, 0, sizeof(CPSlot))
        s.kind = e["kind"]
        s.is64 = e["is64"]
        s.readable = e["readable"]
        s.writable = e["writable"]
        s.has_field = e["has_field"]
        s.off_lo, s.off_hi = e["off_lo"], e["off_hi"]
        s.mask_lo, s.mask_hi = e["mask_lo"], e["mask_hi"]
        s.fixed_lo, s.fixed_hi = e["fixed_lo"], e["fixed_hi"]
        s.const_lo, s.const_hi = e["const_lo"], e["const_hi"]
        for j, v in enumerate(e["values"][:CP_NUM_VALUES]):
            s.values[j] = v
        cp_bind_fns(s, e)
    cp_nslots = len(entries)


def cp15_dispatch_read(CPU cpu, uint32_t idx):
    """Run-time read of table index idx as the guest would (for tests and
    debuggers): the value, or None after a guest exception (UNDEF)."""
    cdef uint32_t lo = 0, hi = 0
    cdef int rc
    cdef int32_t saved = cpu.env.exception_index
    if idx < cp_nslots and cp_slots[idx].is64:
        rc = cp_read64_dispatch(cpu.env, idx, &lo, &hi)
    else:
        rc = cp_read_dispatch(cpu.env, idx, &lo)
    cpu.env.exception_index = saved
    return None if rc else (<object>hi << 32) | lo


def cp15_dispatch_write(CPU cpu, uint32_t idx, value):
    """Run-time write of table index idx; False after a guest exception."""
    cdef int rc
    cdef int32_t saved = cpu.env.exception_index
    if idx < cp_nslots and cp_slots[idx].is64:
        rc = cp_write64_dispatch(cpu.env, idx, value & 0xFFFFFFFF, (value >> 32) & 0xFFFFFFFF)
    else:
        rc = cp_write_dispatch(cpu.env, idx, value & 0xFFFFFFFF)
    cpu.env.exception_index = saved
    return rc == 0


# -- register groups with their own files ---------------------------------------
include "timer_fns.pxi"    # generic timer, guest clock
include "pmu_fns.pxi"      # performance monitors
include "debug_fns.pxi"    # cp14 debug
