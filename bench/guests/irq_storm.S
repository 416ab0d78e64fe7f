/* A timer-interrupt storm: the virtual timer (PPI 11, INTID 27) through
 * the GIC, NIRQ times, each handler doing what Linux's tick does (GICC_IAR
 * read, CNTV_TVAL re-arm, GICC_EOIR write), then power-off (PSCI
 * SYSTEM_OFF).  A period shorter than the handler keeps the interrupt
 * pending on return (a storm, as fast as the path goes).  Between interrupts the main loop sits in WFI (default) or,
 * with -DBUSY, spins, so the deadline has to stop running code.  Built and
 * timed by bench/irq_storm.py. */
    .syntax unified
    .arm
    .arch armv7-a
    .arch_extension virt
    .global _start

#define GICD 0x08000000
#define GICC 0x08010000
#ifndef PERIOD
#define PERIOD 64                   /* ticks (62.5 MHz): ~1 us */
#endif

_start:
    b reset
    b .                             @ undefined
    b .                             @ SVC
    b .                             @ prefetch abort
    b .                             @ data abort
    b .
    b irq
    b .                             @ FIQ

reset:
    adr r0, _start
    mcr p15, 0, r0, c12, c0, 0      @ VBAR
    cps #0x12                       @ IRQ mode stack
    ldr sp, =irq_stack_top
    cps #0x13
    ldr sp, =svc_stack_top
    ldr r4, =GICD
    mov r0, #(1 << 27)
    str r0, [r4, #0x100]            @ GICD_ISENABLER0: INTID 27
    mov r0, #1
    str r0, [r4]                    @ GICD_CTLR
    ldr r5, =GICC
    mov r0, #0xF0
    str r0, [r5, #4]                @ GICC_PMR
    mov r0, #1
    str r0, [r5]                    @ GICC_CTLR
    mov r0, #PERIOD
    mcr p15, 0, r0, c14, c3, 0      @ CNTV_TVAL
    mov r0, #1
    mcr p15, 0, r0, c14, c3, 1      @ CNTV_CTL: enabled, unmasked
    isb
    ldr r6, =count
    ldr r7, =NIRQ
1:  cpsie i                         @ pending interrupts are taken here
    cpsid i
    ldr r0, [r6]
    cmp r0, r7
    bhs 2f
#ifndef BUSY
    wfi                             @ masked: still wakes on a pending IRQ (ARM ARM B1.8.13)
#else
    add r8, r8, #1
#endif
    b 1b
2:  ldr r0, =0x84000008             @ PSCI SYSTEM_OFF
    hvc #0
    b .

irq:
    push {r0-r3}
    ldr r0, =GICC
    ldr r1, [r0, #0x0C]             @ GICC_IAR
    mov r2, #PERIOD
    mcr p15, 0, r2, c14, c3, 0      @ CNTV_TVAL: the next tick (the output drops)
    ldr r2, =count
    ldr r3, [r2]
    add r3, r3, #1
    str r3, [r2]
    ldr r2, =NIRQ
    cmp r3, r2
    movhs r2, #0
    mcrhs p15, 0, r2, c14, c3, 1    @ the last one: CNTV_CTL disabled
    str r1, [r0, #0x10]             @ GICC_EOIR
    pop {r0-r3}
    subs pc, lr, #4

    .data
    .align 3
count: .word 0
    .space 1024
irq_stack_top:
    .space 1024
svc_stack_top:
