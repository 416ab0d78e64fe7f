/* /init for the Linux boot tests: A32, no libc, raw EABI syscalls.
 * Prints a marker and the kernel's uname (sysname, release, machine), then
 * powers the machine off.  Only write, uname and reboot are used, so that
 * nothing but the kernel's own syscall path is under test.
 */
    .syntax unified
    .arm
    .equ SYS_write, 4
    .equ SYS_uname, 122
    .equ SYS_reboot, 88
    .equ LINUX_REBOOT_MAGIC1, 0xfee1dead
    .equ LINUX_REBOOT_MAGIC2, 672274793
    .equ LINUX_REBOOT_CMD_POWER_OFF, 0x4321fedc
    .equ UTS_LEN, 65            @ struct new_utsname: 6 fields of 65 bytes

    .text
    .global _start
_start:
    adr r1, hello
    mov r2, #hello_len
    bl write_out
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
    adr r1, done
    mov r2, #done_len
    bl write_out
poweroff:
    ldr r0, =LINUX_REBOOT_MAGIC1
    ldr r1, =LINUX_REBOOT_MAGIC2
    ldr r2, =LINUX_REBOOT_CMD_POWER_OFF
    mov r3, #0
    mov r7, #SYS_reboot
    svc #0
    b .
fail:
    adr r1, failed
    mov r2, #failed_len
    bl write_out
    b poweroff

@ write_str: r1 = NUL-terminated string; prints it and a newline
write_str:
    push {r4, lr}
    mov r2, #0
1:  ldrb r3, [r1, r2]
    cmp r3, #0
    addne r2, r2, #1
    bne 1b
    bl write_out
    adr r1, newline
    mov r2, #1
    bl write_out
    pop {r4, pc}

@ write_out: write(1, r1, r2)
write_out:
    mov r0, #1
    mov r7, #SYS_write
    svc #0
    bx lr

hello:   .ascii "armtcg-init: hello from user space\n"
    .equ hello_len, . - hello
done:    .ascii "armtcg-init: checks passed, powering off\n"
    .equ done_len, . - done
failed:  .ascii "armtcg-init: uname failed\n"
    .equ failed_len, . - failed
newline: .ascii "\n"
    .align 2
    .ltorg

    .bss
    .align 2
utsname: .space UTS_LEN * 6
