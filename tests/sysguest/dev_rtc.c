/* PL031 RTC under -icount (deterministic guest time): the counter starts at
 * the board's epoch (2000-01-01 00:00:00 UTC), LR loads it, it advances with
 * guest time, and RIS rises when DR reaches MR. */
#include "guest.h"

#define RTC         0x09010000u
#define REG(off)    (*(volatile uint32_t *)(RTC + (off)))
#define DR          REG(0x00)
#define MR          REG(0x04)
#define LR          REG(0x08)
#define CR          REG(0x0C)
#define IMSC        REG(0x10)
#define RIS         REG(0x14)
#define MIS         REG(0x18)
#define ICR         REG(0x1C)

int main(void)
{
    printf("dr=%u cr=%u ris=%u\n", DR, CR, RIS);
    printf("id: %x %x %x %x\n", REG(0xFE0), REG(0xFE4), REG(0xFE8), REG(0xFEC));
    LR = 1000;
    printf("loaded: dr=%u lr=%u\n", DR, LR);
    uint32_t start = DR;
    while (DR == start)             /* wait for the next second */
        ;
    printf("ticked: %u\n", DR - start);
    MR = DR + 2;
    IMSC = 1;
    printf("armed: ris=%u\n", RIS);
    uint32_t polls = 0;
    while (!RIS)
        polls++;
    printf("alarm: dr-mr=%u mis=%u\n", DR - MR, MIS);
    ICR = 1;
    printf("cleared: ris=%u mis=%u\n", RIS, MIS);
    MR = DR;                        /* a match now raises it at once (QEMU) */
    printf("match now: ris=%u\n", RIS);
    return 0;
}
