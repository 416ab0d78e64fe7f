/* Loads that may take a data abort, for pcie_ecam.c: try_read32/16/8(addr)
 * return the value (or ~0) and set abort_hit if the load aborted (the
 * handler notes it and resumes after the load). */
    .syntax unified
    .arm
    .arch armv7-a

    .text
    .global try_read32, try_read16, try_read8, dabt_handler, abort_hit

    .macro try name, insn
\name:
    ldr r1, =abort_hit
    mov r2, #0
    str r2, [r1]
    mov r2, r0
    mvn r0, #0
    \insn r0, [r2]
    bx lr
    .endm

    try try_read32, ldr
    try try_read16, ldrh
    try try_read8, ldrb

dabt_handler:
    push {r0, r1}
    ldr r0, =abort_hit
    mov r1, #1
    str r1, [r0]
    pop {r0, r1}
    subs pc, lr, #4                 @ resume after the faulting load

    .data
    .align 2
abort_hit: .word 0
