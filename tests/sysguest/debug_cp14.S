/* CP14 debug register probes for debug_cp14.c: one function per access,
 * taking the value to write in r0 and returning what it read in r0.
 * try_pl1(fn, v) / try_pl0(fn, v) run it at PL1 (SVC) or PL0 (User) and
 * return 1 if it took an UNDEF (the handler notes it and skips the
 * instruction); the value read is left in probe_val.  A PL0 probe comes
 * back with SVC #0, whose handler resumes after the SVC in SVC mode. */
    .syntax unified
    .arm
    .arch armv7-a

    .macro rd name, op1, crn, crm, op2
    .global rd_\name
rd_\name:
    mrc p14, \op1, r0, \crn, \crm, \op2
    bx lr
    .endm
    .macro wr name, op1, crn, crm, op2
    .global wr_\name
wr_\name:
    mcr p14, \op1, r0, \crn, \crm, \op2
    isb
    bx lr
    .endm
    .macro rw name, op1, crn, crm, op2
    rd \name, \op1, \crn, \crm, \op2
    wr \name, \op1, \crn, \crm, \op2
    .endm
    @ 64-bit MRRC: the low word in r0, the high word in probe_hi
    .macro rd64 name, op1, crm
    .global rd64_\name
rd64_\name:
    mrrc p14, \op1, r0, r1, \crm
    ldr r2, =probe_hi
    str r1, [r2]
    bx lr
    .endm

    .text
    .global try_pl1, try_pl0

@ uint32_t try_pl1(uint32_t (*fn)(uint32_t), uint32_t v)
try_pl1:
    push {r4, lr}
    bl probe_begin
    mov r0, r1
    blx r2
    b probe_end

@ uint32_t try_pl0(uint32_t (*fn)(uint32_t), uint32_t v)
try_pl0:
    push {r4, lr}
    bl probe_begin
    mov r0, r1
    cps #0x10                       @ User (SP is the System stack)
    blx r2
    svc #0                          @ back to SVC
    b probe_end

probe_begin:                        @ r2 = fn; undef_hit = 0, probe_val = ~0
    mov r2, r0
    ldr r4, =undef_hit
    mov r3, #0
    str r3, [r4]
    mvn r3, #0
    str r3, [r4, #4]
    bx lr

probe_end:
    ldr r4, =undef_hit
    str r0, [r4, #4]
    ldr r0, [r4]
    pop {r4, pc}

#include "undef_probe.h"

    @ ARM ARM DDI 0406C C6.4 / C11.10 (the CP14 debug register map)
    rd DBGDIDR, 0, c0, c0, 0
    rd DBGDRAR, 0, c1, c0, 0
    rd DBGDSAR, 0, c2, c0, 0
    rd64 DBGDRAR, 0, c1
    rd64 DBGDSAR, 0, c2
    rd DBGDSCRint, 0, c0, c1, 0
    rw DBGDSCRext, 0, c0, c2, 2
    rw DBGDTRint, 0, c0, c5, 0
    rw DBGDTRRXext, 0, c0, c0, 2
    rw DBGDTRTXext, 0, c0, c3, 2
    rw DBGVCR, 0, c0, c7, 0
    rd DBGWFAR, 0, c0, c6, 0
    rw DBGBVR0, 0, c0, c0, 4
    rw DBGBVR1, 0, c0, c1, 4
    rw DBGBVR2, 0, c0, c2, 4
    rw DBGBVR3, 0, c0, c3, 4
    rw DBGBVR4, 0, c0, c4, 4
    rw DBGBVR5, 0, c0, c5, 4
    rw DBGBVR6, 0, c0, c6, 4
    rw DBGBCR0, 0, c0, c0, 5
    rw DBGBCR1, 0, c0, c1, 5
    rw DBGBCR2, 0, c0, c2, 5
    rw DBGBCR3, 0, c0, c3, 5
    rw DBGBCR4, 0, c0, c4, 5
    rw DBGBCR5, 0, c0, c5, 5
    rw DBGBCR6, 0, c0, c6, 5
    rw DBGWVR0, 0, c0, c0, 6
    rw DBGWVR1, 0, c0, c1, 6
    rw DBGWVR2, 0, c0, c2, 6
    rw DBGWVR3, 0, c0, c3, 6
    rw DBGWVR4, 0, c0, c4, 6
    rw DBGWCR0, 0, c0, c0, 7
    rw DBGWCR1, 0, c0, c1, 7
    rw DBGWCR2, 0, c0, c2, 7
    rw DBGWCR3, 0, c0, c3, 7
    rw DBGWCR4, 0, c0, c4, 7
    rw DBGBXVR4, 0, c1, c4, 1
    wr DBGOSLAR, 0, c1, c0, 4
    rd DBGOSLSR, 0, c1, c1, 4
    rw DBGOSDLR, 0, c1, c3, 4
    rw DBGPRCR, 0, c1, c4, 4
    rd DBGPRSR, 0, c1, c5, 4
    rw DBGCLAIMSET, 0, c7, c8, 6
    rw DBGCLAIMCLR, 0, c7, c9, 6
    rd DBGAUTHSTATUS, 0, c7, c14, 6
    rd DBGDEVID, 0, c7, c2, 7
    rd DBGDEVID1, 0, c7, c1, 7
    rd DBGDEVID2, 0, c7, c0, 7

    .data
    .align 2
    .global probe_val, probe_hi
probe_val: .word 0
probe_hi:  .word 0
