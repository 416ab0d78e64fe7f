# The functions of the IR op `vfp` (tcg/ir_ops.py): VFP arithmetic and
# conversions on the register file env->vfp_d and env->fpscr, written in C
# from the ARM ARM's floating-point pseudocode (runtime/include/vfp.h).
# Included into runtime/core.pyx; both engines call them through
# vfp_op_table() (the interpreter) and runtime_symbols() (the JIT).

cdef extern from "vfp.h" nogil:
    void vfp_add_s(CPUARMState *env, uint32_t regs)
    void vfp_add_d(CPUARMState *env, uint32_t regs)
    void vfp_sub_s(CPUARMState *env, uint32_t regs)
    void vfp_sub_d(CPUARMState *env, uint32_t regs)
    void vfp_mul_s(CPUARMState *env, uint32_t regs)
    void vfp_mul_d(CPUARMState *env, uint32_t regs)
    void vfp_nmul_s(CPUARMState *env, uint32_t regs)
    void vfp_nmul_d(CPUARMState *env, uint32_t regs)
    void vfp_div_s(CPUARMState *env, uint32_t regs)
    void vfp_div_d(CPUARMState *env, uint32_t regs)
    void vfp_mla_s(CPUARMState *env, uint32_t regs)
    void vfp_mla_d(CPUARMState *env, uint32_t regs)
    void vfp_mls_s(CPUARMState *env, uint32_t regs)
    void vfp_mls_d(CPUARMState *env, uint32_t regs)
    void vfp_nmla_s(CPUARMState *env, uint32_t regs)
    void vfp_nmla_d(CPUARMState *env, uint32_t regs)
    void vfp_nmls_s(CPUARMState *env, uint32_t regs)
    void vfp_nmls_d(CPUARMState *env, uint32_t regs)
    void vfp_fma_s(CPUARMState *env, uint32_t regs)
    void vfp_fma_d(CPUARMState *env, uint32_t regs)
    void vfp_fms_s(CPUARMState *env, uint32_t regs)
    void vfp_fms_d(CPUARMState *env, uint32_t regs)
    void vfp_fnma_s(CPUARMState *env, uint32_t regs)
    void vfp_fnma_d(CPUARMState *env, uint32_t regs)
    void vfp_fnms_s(CPUARMState *env, uint32_t regs)
    void vfp_fnms_d(CPUARMState *env, uint32_t regs)
    void vfp_sqrt_s(CPUARMState *env, uint32_t regs)
    void vfp_sqrt_d(CPUARMState *env, uint32_t regs)
    void vfp_cmp_s(CPUARMState *env, uint32_t regs)
    void vfp_cmp_d(CPUARMState *env, uint32_t regs)
    void vfp_itof_s(CPUARMState *env, uint32_t regs)
    void vfp_itof_d(CPUARMState *env, uint32_t regs)
    void vfp_ftoi_s(CPUARMState *env, uint32_t regs)
    void vfp_ftoi_d(CPUARMState *env, uint32_t regs)
    void vfp_ftofix_s(CPUARMState *env, uint32_t regs)
    void vfp_ftofix_d(CPUARMState *env, uint32_t regs)
    void vfp_fixtof_s(CPUARMState *env, uint32_t regs)
    void vfp_fixtof_d(CPUARMState *env, uint32_t regs)
    void vfp_cvt_f64_f32(CPUARMState *env, uint32_t regs)
    void vfp_cvt_f32_f64(CPUARMState *env, uint32_t regs)
    void vfp_cvt_f32_f16(CPUARMState *env, uint32_t regs)
    void vfp_cvt_f16_f32(CPUARMState *env, uint32_t regs)


DEF MAX_VFP_OPS = 64
cdef vfp_fn VFP_OPS[MAX_VFP_OPS]
cdef int n_vfp_ops = 0
VFP_OP_IDS = {}
VFP_OP_NAMES = []


cdef void register_vfp_op(bytes name, vfp_fn fn) noexcept:
    global n_vfp_ops
    VFP_OPS[n_vfp_ops] = fn
    VFP_OP_IDS[name.decode()] = n_vfp_ops
    VFP_OP_NAMES.append(name.decode())
    n_vfp_ops += 1


cdef vfp_fn *vfp_op_table() noexcept nogil:
    return VFP_OPS


def vfp_op_id(name):
    """aux of the IR op `vfp` for the operation `name` (e.g. "add_d")."""
    return VFP_OP_IDS[name]


cdef void register_vfp_ops():
    register_vfp_op(b"add_s", vfp_add_s)
    register_vfp_op(b"add_d", vfp_add_d)
    register_vfp_op(b"sub_s", vfp_sub_s)
    register_vfp_op(b"sub_d", vfp_sub_d)
    register_vfp_op(b"mul_s", vfp_mul_s)
    register_vfp_op(b"mul_d", vfp_mul_d)
    register_vfp_op(b"nmul_s", vfp_nmul_s)
    register_vfp_op(b"nmul_d", vfp_nmul_d)
    register_vfp_op(b"div_s", vfp_div_s)
    register_vfp_op(b"div_d", vfp_div_d)
    register_vfp_op(b"mla_s", vfp_mla_s)
    register_vfp_op(b"mla_d", vfp_mla_d)
    register_vfp_op(b"mls_s", vfp_mls_s)
    register_vfp_op(b"mls_d", vfp_mls_d)
    register_vfp_op(b"nmla_s", vfp_nmla_s)
    register_vfp_op(b"nmla_d", vfp_nmla_d)
    register_vfp_op(b"nmls_s", vfp_nmls_s)
    register_vfp_op(b"nmls_d", vfp_nmls_d)
    register_vfp_op(b"fma_s", vfp_fma_s)
    register_vfp_op(b"fma_d", vfp_fma_d)
    register_vfp_op(b"fms_s", vfp_fms_s)
    register_vfp_op(b"fms_d", vfp_fms_d)
    register_vfp_op(b"fnma_s", vfp_fnma_s)
    register_vfp_op(b"fnma_d", vfp_fnma_d)
    register_vfp_op(b"fnms_s", vfp_fnms_s)
    register_vfp_op(b"fnms_d", vfp_fnms_d)
    register_vfp_op(b"sqrt_s", vfp_sqrt_s)
    register_vfp_op(b"sqrt_d", vfp_sqrt_d)
    register_vfp_op(b"cmp_s", vfp_cmp_s)
    register_vfp_op(b"cmp_d", vfp_cmp_d)
    register_vfp_op(b"itof_s", vfp_itof_s)
    register_vfp_op(b"itof_d", vfp_itof_d)
    register_vfp_op(b"ftoi_s", vfp_ftoi_s)
    register_vfp_op(b"ftoi_d", vfp_ftoi_d)
    register_vfp_op(b"ftofix_s", vfp_ftofix_s)
    register_vfp_op(b"ftofix_d", vfp_ftofix_d)
    register_vfp_op(b"fixtof_s", vfp_fixtof_s)
    register_vfp_op(b"fixtof_d", vfp_fixtof_d)
    register_vfp_op(b"cvt_f64_f32", vfp_cvt_f64_f32)
    register_vfp_op(b"cvt_f32_f64", vfp_cvt_f32_f64)
    register_vfp_op(b"cvt_f32_f16", vfp_cvt_f32_f16)
    register_vfp_op(b"cvt_f16_f32", vfp_cvt_f16_f32)
