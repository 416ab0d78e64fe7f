/* /init for the virtio boot test: loads /virtio_mmio.ko and
 * /virtio_blk.ko with finit_module(2), mounts devtmpfs on /dev, reads the
 * first 64 bytes of /dev/vda and prints them between markers, then powers
 * off.  Every failing step prints which one failed.
 */
    .syntax unified
    .arm
#include "common.inc"
    .equ O_RDONLY, 0
    .equ NBYTES, 64

    .text
    .global _start
_start:
    ldr r0, =devtmpfs           @ mount("devtmpfs", "/dev", "devtmpfs", 0, NULL)
    ldr r1, =dev
    ldr r2, =devtmpfs
    mov r3, #0
    mov r4, #0
    mov r7, #SYS_mount
    svc #0
    cmp r0, #0
    bne fail_mount
    ldr r0, =mod_mmio
    bl load_module
    ldr r0, =mod_blk
    bl load_module
    ldr r0, =vda
    mov r1, #O_RDONLY
    mov r7, #SYS_open
    svc #0
    cmp r0, #0
    blt fail_open
    ldr r1, =buffer
    mov r2, #NBYTES
    mov r7, #SYS_read
    svc #0
    cmp r0, #NBYTES
    bne fail_read
    PRINT begin
    ldr r1, =buffer
    mov r2, #NBYTES
    bl write_out
    PRINT end
    b poweroff

@ load_module(r0 = path): open + finit_module; prints the path on failure
load_module:
    push {r4, lr}
    mov r4, r0
    mov r1, #O_RDONLY
    mov r7, #SYS_open
    svc #0
    cmp r0, #0
    blt 1f
    ldr r1, =empty
    mov r2, #0
    ldr r7, =SYS_finit_module
    svc #0
    cmp r0, #0
    popeq {r4, pc}
1:  PRINT modfail
    mov r1, r4
    bl write_str
    b poweroff

fail_mount: PRINT mountfail
    b poweroff
fail_open: PRINT openfail
    b poweroff
fail_read: PRINT readfail
    b poweroff

devtmpfs: .asciz "devtmpfs"
dev:      .asciz "/dev"
vda:      .asciz "/dev/vda"
mod_mmio: .asciz "/virtio_mmio.ko"
mod_blk:  .asciz "/virtio_blk.ko"
empty:    .asciz ""
    STRING begin, "armtcg-init: vda begins <"
    STRING end, ">\n"
    STRING modfail, "armtcg-init: finit_module failed: "
    STRING mountfail, "armtcg-init: mount devtmpfs failed\n"
    STRING openfail, "armtcg-init: open /dev/vda failed\n"
    STRING readfail, "armtcg-init: read /dev/vda failed\n"
    .align 2
    .ltorg

    .bss
    .align 2
buffer: .space NBYTES
