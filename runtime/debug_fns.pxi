# cp14 debug registers (v7.1 Debug) at run time: the C half of the DEBUG
# rows of runtime/cp15.py.  Included by runtime/cp15_fns.pxi.
#
# The registers hold what software writes; the breakpoint, watchpoint and
# vector catch comparators do not yet stop the guest (no debug event is
# generated), and there is no external debugger (halting debug, DCC).

cdef enum:
    DSCR_UDCCDIS = 1 << 12          # DBGDSCR.UDCCdis: PL0 cp14 debug access disabled
    OSLSR_OSLK = 1 << 1             # DBGOSLSR.OSLK: the OS Lock is set
    OSDLR_DLK = 1                   # DBGOSDLR.DLK: the OS Double Lock is set
    PRSR_PU = 1                     # DBGPRSR.PU: core powered up
    PRSR_SR = 1 << 3                # DBGPRSR.SR: sticky reset status
    PRSR_OSLK_SHIFT = 5             # DBGPRSR.OSLK, .DLK (bit 6): copies of the locks
    PRSR_DLK_SHIFT = 6
    OSLAR_KEY = 0xC5ACCE55          # DBGOSLAR: this value locks, any other unlocks


cdef int dbg_pl0_access(CPUARMState *env, uint32_t idx, int is_read) noexcept nogil:
    # the cp14 debug registers PL0 may reach are UNDEFINED there while
    # DBGDSCR.UDCCdis is set (ARM ARM C6.4, the CP14
    # interface; C11.11 DBGDSCR.UDCCdis)
    return 1 if gt_at_pl0(env) and (env.dbgdscr & DSCR_UDCCDIS) else 0


cdef int dbg_oslar_write(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil:
    # DBGOSLAR (ARM ARM C11.11): the key sets the OS Lock, anything else clears it
    if val == OSLAR_KEY:
        env.dbgoslsr |= OSLSR_OSLK
    else:
        env.dbgoslsr &= ~OSLSR_OSLK
    return 0


cdef int dbg_prsr_read(CPUARMState *env, uint32_t idx, uint32_t *val) noexcept nogil:
    # DBGPRSR (ARM ARM C11.11): powered up; SR (kept in the field) is cleared
    # by the read; OSLK and DLK mirror the two locks
    val[0] = (PRSR_PU | (env.dbgprsr & PRSR_SR)
              | (((env.dbgoslsr & OSLSR_OSLK) >> 1) << PRSR_OSLK_SHIFT)
              | ((env.dbgosdlr & OSDLR_DLK) << PRSR_DLK_SHIFT))
    env.dbgprsr &= ~PRSR_SR
    return 0


cp_register_fns("dbg_pl0_access", NULL, NULL, NULL, NULL, dbg_pl0_access)
cp_register_fns("dbg_oslar_write", NULL, dbg_oslar_write, NULL, NULL, NULL)
cp_register_fns("dbg_prsr_read", dbg_prsr_read, NULL, NULL, NULL, NULL)


cdef _record_debug_fields(CPUARMState *e, dict f):
    """env_field_offset() names of the debug state (one name per array word)."""
    cdef char *base = <char *>e
    cdef int i
    f["dbgdscr"] = <char *>&e.dbgdscr - base
    f["dbgoslsr"] = <char *>&e.dbgoslsr - base
    f["dbgosdlr"] = <char *>&e.dbgosdlr - base
    f["dbgprcr"] = <char *>&e.dbgprcr - base
    f["dbgprsr"] = <char *>&e.dbgprsr - base
    f["dbgvcr"] = <char *>&e.dbgvcr - base
    for i in range(6):
        f["dbgbvr%d" % i] = <char *>&e.dbgbvr[i] - base
        f["dbgbcr%d" % i] = <char *>&e.dbgbcr[i] - base
    for i in range(4):
        f["dbgwvr%d" % i] = <char *>&e.dbgwvr[i] - base
        f["dbgwcr%d" % i] = <char *>&e.dbgwcr[i] - base
