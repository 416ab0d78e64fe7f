/* A stand-in for a Linux zImage: what the boot protocol hands a kernel.
 * Prints, over the PL011, the registers it was entered with (r0, r1, r2,
 * CPSR, SCTLR), the first word at r2 (the DTB's magic) and the first word
 * of the initrd slot, then powers off through PSCI.  Position-independent,
 * with the zImage header words at 0x24 (magic, start, end) as
 * arch/arm/boot/compressed/head.S lays them out.
 */
    .syntax unified
    .arm
    .arch armv7-a
    .arch_extension virt
    .equ UART, 0x09000000
    .equ PSCI_SYSTEM_OFF, 0x84000008

    .text
    .global _start
_start:
    b entry
    .org 0x24
    .word 0x016f2818            @ zImage magic
    .word 0                     @ start (position-independent)
    .word image_end - _start    @ end
entry:
    mov r8, r0
    mov r9, r1
    mov r10, r2
    mrs r11, cpsr
    mov r0, r8
    bl put_hex
    mov r0, r9
    bl put_hex
    mov r0, r10
    bl put_hex
    mov r0, r11
    bl put_hex
    mrc p15, 0, r0, c1, c0, 0   @ SCTLR: MMU and caches off
    bl put_hex
    ldr r0, [r10]               @ DTB magic (big-endian 0xd00dfeed)
    bl put_hex
    ldr r1, initrd_slot
    ldr r0, [r1]
    bl put_hex
    ldr r0, =PSCI_SYSTEM_OFF
    hvc #0
    b .

@ put_hex: r0 as 8 hex digits and a newline
put_hex:
    ldr r1, =UART
    mov r2, #28
1:  lsr r3, r0, r2
    and r3, r3, #15
    cmp r3, #10
    addlo r3, r3, #'0'
    addhs r3, r3, #'a' - 10
    str r3, [r1]
    subs r2, r2, #4
    bpl 1b
    mov r3, #'\n'
    str r3, [r1]
    bx lr

initrd_slot: .word INITRD_SLOT
    .ltorg
image_end:
