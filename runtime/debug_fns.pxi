# cp14 debug registers (v7.1 Debug) at run time: the C half of the DEBUG
# rows of runtime/cp15.py.  Included by runtime/cp15_fns.pxi.
#
# The registers hold what software writes; the breakpoint, watchpoint and
# vector catch comparators do not yet stop the guest (no debug event is
# generated), and there is no external debugger (halting debug, DCC).

# bit names: runtime/abi.py (DBGDSCR_*, DBGOSLSR_*, DBGPRSR_*, ...)


cdef int dbg_pl0_access(CPUARMState *env, uint32_t idx, int is_read) noexcept nogil:
    # the cp14 debug registers PL0 may reach are UNDEFINED there while
    # DBGDSCR.UDCCdis is set (ARM ARM C6.4, the CP14
    # interface; C11.11 DBGDSCR.UDCCdis)
    return 1 if gt_at_pl0(env) and (env.dbgdscr & DBGDSCR_UDCCDIS) else 0


cdef int dbg_oslar_write(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil:
    # DBGOSLAR (ARM ARM C11.11): the key sets the OS Lock, anything else clears it
    if val == DBGOSLAR_KEY:
        env.dbgoslsr |= DBGOSLSR_OSLK
    else:
        env.dbgoslsr &= ~DBGOSLSR_OSLK
    return 0


cdef int dbg_prsr_read(CPUARMState *env, uint32_t idx, uint32_t *val) noexcept nogil:
    # DBGPRSR (ARM ARM C11.11): powered up; SR (kept in the field) is cleared
    # by the read; OSLK and DLK mirror the two locks
    val[0] = DBGPRSR_PU | (env.dbgprsr & DBGPRSR_SR)
    if env.dbgoslsr & DBGOSLSR_OSLK:
        val[0] |= DBGPRSR_OSLK
    if env.dbgosdlr & DBGOSDLR_DLK:
        val[0] |= DBGPRSR_DLK
    env.dbgprsr &= ~DBGPRSR_SR
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
