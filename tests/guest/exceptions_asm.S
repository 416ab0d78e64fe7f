/* Exception vectors' targets and mode helpers for exceptions.c.
 * The handlers record what the CPU gave them (CPSR in the handler, SPSR,
 * LR, fault registers) through the on_* C functions and return so that
 * the interrupted code continues after the excepting instruction. */
    .syntax unified
    .arm
    .arch armv7-a
    .arch_extension sec

    .text

@ SVC: SRS/RFE frame on the SVC stack: r0 r1 r2 r3 r12 lr | return pc, spsr
@ on_svc(cpsr, frame) may change frame[0] (the caller's r0) and frame[7].
    .global svc_handler
svc_handler:
    srsdb sp!, #0x13
    push {r0-r3, r12, lr}
    mrs r0, cpsr
    mov r1, sp
    bl on_svc
    pop {r0-r3, r12, lr}
    rfeia sp!

@ UNDEF: LR_und = undefined instruction + 4, the instruction after it
    .global undef_handler
undef_handler:
    push {r0-r3, r12, lr}
    mrs r0, cpsr
    mrs r1, spsr
    mov r2, lr
    bl on_undef
    pop {r0-r3, r12, lr}
    movs pc, lr

@ Data abort: LR_abt = faulting instruction + 8; resume after it
    .global dabt_handler
dabt_handler:
    push {r0-r3, r12, lr}
    mrs r0, cpsr
    mrs r1, spsr
    mov r2, lr
    bl on_dabt
    pop {r0-r3, r12, lr}
    subs pc, lr, #4

@ Prefetch abort (BKPT): LR_abt = BKPT + 4, the instruction after it
    .global pabt_handler
pabt_handler:
    push {r0-r3, r12, lr}
    mrs r0, cpsr
    mrs r1, spsr
    mov r2, lr
    bl on_pabt
    pop {r0-r3, r12, lr}
    movs pc, lr

@ void mode_write_banked(uint32_t cpsr_c, const uint32_t in[3])
@   in = {sp, lr, spsr} of the mode (spsr skipped for SYS, which has none)
    .global mode_write_banked
mode_write_banked:
    mrs r3, cpsr
    msr cpsr_c, r0
    ldr sp, [r1]
    ldr lr, [r1, #4]
    and r0, r0, #0x1f
    cmp r0, #0x1f
    ldrne r2, [r1, #8]
    msrne spsr_fsxc, r2
    msr cpsr_c, r3
    bx lr

@ void mode_read_banked(uint32_t cpsr_c, uint32_t out[4])
@   out = {sp, lr, spsr, cpsr as read in that mode}
    .global mode_read_banked
mode_read_banked:
    mrs r3, cpsr
    msr cpsr_c, r0
    str sp, [r1]
    str lr, [r1, #4]
    mov r2, #0
    and r0, r0, #0x1f
    cmp r0, #0x1f
    mrsne r2, spsr
    str r2, [r1, #8]
    mrs r2, cpsr
    str r2, [r1, #12]
    msr cpsr_c, r3
    bx lr

@ void cps_modes(uint32_t out[6]): CPSR read back after CPS to each mode
    .global cps_modes
cps_modes:
    mrs r3, cpsr
    cps #0x11
    mrs r2, cpsr
    str r2, [r0], #4
    cps #0x12
    mrs r2, cpsr
    str r2, [r0], #4
    cps #0x17
    mrs r2, cpsr
    str r2, [r0], #4
    cps #0x1b
    mrs r2, cpsr
    str r2, [r0], #4
    cps #0x1f
    mrs r2, cpsr
    str r2, [r0], #4
    cps #0x13
    mrs r2, cpsr
    str r2, [r0], #4
    msr cpsr_c, r3
    bx lr

@ uint32_t fiq_bank_test(void): r8-r12 are banked in FIQ mode.
@ Returns 0 if SVC's r8-r12 survive FIQ's and FIQ's survive SVC's.
    .global fiq_bank_test
fiq_bank_test:
    push {r4-r11, lr}
    mrs r3, cpsr
    mov r8, #0x80
    mov r9, #0x90
    mov r10, #0xa0
    mov r11, #0xb0
    mov r12, #0xc0
    cps #0x11
    mov r8, #0x81
    mov r9, #0x91
    mov r10, #0xa1
    mov r11, #0xb1
    mov r12, #0xc1
    cps #0x13
    mov r0, #0
    cmp r8, #0x80
    orrne r0, r0, #1
    cmp r9, #0x90
    orrne r0, r0, #2
    cmp r10, #0xa0
    orrne r0, r0, #4
    cmp r11, #0xb0
    orrne r0, r0, #8
    cmp r12, #0xc0
    orrne r0, r0, #16
    cps #0x11
    cmp r8, #0x81
    orrne r0, r0, #0x100
    cmp r9, #0x91
    orrne r0, r0, #0x200
    cmp r10, #0xa1
    orrne r0, r0, #0x400
    cmp r11, #0xb1
    orrne r0, r0, #0x800
    cmp r12, #0xc1
    orrne r0, r0, #0x1000
    msr cpsr_c, r3
    pop {r4-r11, pc}

@ void user_mode_test(uint32_t out[7]): drop to User mode, try to leave it
@ with CPS and MSR (both ignored there), set flags with MSR, read SP
@ (shared with System mode), and come back with SVC #0x100.
    .global user_mode_test
user_mode_test:
    push {r4, lr}
    mov r4, r0
    cps #0x10
    mrs r1, cpsr
    str r1, [r4]
    cps #0x13                   @ no effect in User mode
    mrs r1, cpsr
    str r1, [r4, #4]
    msr cpsr_c, #0xd3           @ control field not writable in User mode
    mrs r1, cpsr
    str r1, [r4, #8]
    msr cpsr_f, #0xf0000000
    mrs r1, cpsr
    str r1, [r4, #12]
    msr cpsr_f, #0
    str sp, [r4, #16]
    svc #0x100                  @ on_svc returns to SVC mode for this one
    mrs r1, cpsr
    str r1, [r4, #20]
    str r0, [r4, #24]           @ the SVC's result
    pop {r4, pc}

@ void srs_test(uint32_t *sys_sp, uint32_t lr_val, uint32_t spsr_val, uint32_t out[1])
@ SRSDB to System mode's stack, with writeback; out[0] = the new SYS sp.
    .global srs_test
srs_test:
    push {r4-r6, lr}
    mrs r4, cpsr
    mrs r5, spsr
    mov r6, lr
    cps #0x1f
    mov r12, sp                 @ keep the real SYS sp
    mov sp, r0
    cps #0x13
    msr spsr_fsxc, r2
    mov lr, r1
    srsdb sp!, #0x1f
    cps #0x1f
    str sp, [r3]
    mov sp, r12
    cps #0x13
    mov lr, r6
    msr spsr_fsxc, r5
    msr cpsr_fsxc, r4
    pop {r4-r6, pc}

@ uint32_t rfe_test(uint32_t frame[2], uint32_t out[2])
@ frame = {return pc (ignored, set here), cpsr}; RFEIA with writeback.
@ out[0] = CPSR at the target, out[1] = written-back base - frame.
    .global rfe_test
rfe_test:
    push {r4, r5, lr}
    mrs r4, cpsr
    adr r2, 1f
    str r2, [r0]
    mov r5, r0
    rfeia r0!
    nop                         @ never reached
    nop
1:  mrs r2, cpsr
    str r2, [r1]
    sub r2, r0, r5
    str r2, [r1, #4]
    msr cpsr_fsxc, r4
    pop {r4, r5, pc}
