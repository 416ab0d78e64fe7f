/* Included by the assembly sysguests that probe for UNDEF (pmu_basic.S,
 * timer_poll.S, debug_cp14.S): the handlers start.S vectors to.
 *   undef_handler (UND mode): note the UNDEF in undef_hit, skip the
 *     instruction (LR_und = the next ARM instruction, ARM ARM B1.8.3)
 *   svc_handler: continue after the SVC, now in SVC mode
 * The probe clears undef_hit before and reads it after. */
    .global undef_handler, svc_handler

undef_handler:
    push {r0, r1}
    ldr r0, =undef_hit
    mov r1, #1
    str r1, [r0]
    pop {r0, r1}
    movs pc, lr

svc_handler:
    bx lr

    .pushsection .data
    .align 2
undef_hit: .word 0
    .popsection
