/* /init for the Linux boot tests: A32, no libc, raw EABI syscalls.
 * Prints a marker and the kernel's uname (sysname, release, machine), then
 * powers the machine off.  Only write, uname and reboot are used, so that
 * nothing but the kernel's own syscall path is under test.
 */
    .syntax unified
    .arm
#include "common.inc"
    .equ UTS_LEN, 65            @ struct new_utsname: 6 fields of 65 bytes

    .text
    .global _start
_start:
    PRINT hello
    ldr r0, =utsname
    mov r7, #SYS_uname
    svc #0
    cmp r0, #0
    bne fail
    ldr r4, =utsname
    mov r1, r4                  @ sysname
    bl write_str
    add r1, r4, #UTS_LEN * 2    @ release
    bl write_str
    add r1, r4, #UTS_LEN * 4    @ machine
    bl write_str
    PRINT done
    b poweroff
fail:
    PRINT failed
    b poweroff

    STRING hello, "armtcg-init: hello from user space\n"
    STRING done, "armtcg-init: checks passed, powering off\n"
    STRING failed, "armtcg-init: uname failed\n"
    .align 2
    .ltorg

    .bss
    .align 2
utsname: .space UTS_LEN * 6
