/* CFI flash (Intel command set) on virt's second bank at 0x04000000, which
 * QEMU gives no drive: zero-filled and writable.  Query, identify, erase,
 * program a word, buffered program; each step prints what it reads. */
#include "guest.h"

#define FLASH1      0x04000000u
#define W(off)      (*(volatile uint32_t *)(FLASH1 + (off)))
#define H(off)      (*(volatile uint16_t *)(FLASH1 + (off)))
#define B(off)      (*(volatile uint8_t *)(FLASH1 + (off)))
#define CMD(c)      ((uint32_t)(c) * 0x00010001u)   /* both 16-bit chips */
#define SECTOR1     0x40000u                       /* 256 KiB sectors */

static uint32_t wait_ready(uint32_t addr)
{
    uint32_t st;
    W(addr) = CMD(0x70);
    do
        st = W(addr);
    while ((st & CMD(0x80)) != CMD(0x80));
    return st;
}

int main(void)
{
    printf("array: %x\n", W(0));

    W(0x55 << 2) = CMD(0x98);                     /* CFI query at 0x55 */
    printf("qry: %x %x %x\n", W(0x10 << 2), W(0x11 << 2), W(0x12 << 2));
    printf("cmdset: %x ext: %x\n", W(0x13 << 2), W(0x15 << 2));
    printf("size: %x buf: %x regions: %x\n", W(0x27 << 2), W(0x2A << 2), W(0x2C << 2));
    printf("region1: %x %x %x %x\n", W(0x2D << 2), W(0x2E << 2), W(0x2F << 2), W(0x30 << 2));
    printf("pri: %x %x %x\n", W(0x31 << 2), W(0x32 << 2), W(0x33 << 2));
    printf("narrow: %x %x\n", H(0x10 << 2), B(0x11 << 2));
    W(0) = CMD(0xF0);                              /* stays in query mode (as QEMU) */
    printf("after f0: %x\n", W(0x10 << 2));
    W(0) = CMD(0xFF);
    printf("array again: %x\n", W(0x10 << 2));

    W(0) = CMD(0x90);
    printf("ident: %x %x lock: %x\n", W(0), W(4), W(SECTOR1 + 8));
    W(0) = CMD(0xFF);

    W(SECTOR1) = CMD(0x20);                        /* erase sector 1 */
    W(SECTOR1) = CMD(0xD0);
    printf("erase status: %x\n", wait_ready(SECTOR1));
    W(0) = CMD(0xFF);
    printf("erased: %x %x %x\n", W(SECTOR1), W(SECTOR1 + 0x3FFFC), W(SECTOR1 - 4));

    W(SECTOR1 + 0x10) = CMD(0x40);                 /* program one word */
    W(SECTOR1 + 0x10) = 0x12345678u;
    printf("program status: %x\n", wait_ready(SECTOR1));
    W(0) = CMD(0xFF);
    printf("programmed: %x %x\n", W(SECTOR1 + 0x10), W(SECTOR1 + 0x14));

    W(SECTOR1 + 0x100) = CMD(0xE8);                /* buffered: 4 words */
    printf("xsr: %x\n", W(SECTOR1 + 0x100) & CMD(0x80));
    W(SECTOR1 + 0x100) = CMD(3);
    for (uint32_t i = 0; i < 4; i++)
        W(SECTOR1 + 0x100 + 4 * i) = 0xA0000000u + i;
    W(SECTOR1 + 0x100) = CMD(0xD0);
    printf("buffer status: %x\n", wait_ready(SECTOR1));
    W(0) = CMD(0xFF);
    printf("buffered: %x %x %x %x %x\n", W(SECTOR1 + 0x100), W(SECTOR1 + 0x104),
           W(SECTOR1 + 0x108), W(SECTOR1 + 0x10C), W(SECTOR1 + 0x110));
    return 0;
}
