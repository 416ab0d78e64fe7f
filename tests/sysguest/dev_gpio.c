/* PL061 GPIO: the GPIODATA address mask, direction, and the power key on
 * line 3 (pressed by the host after "ready": QEMU's system_powerdown)
 * taken as a both-edges interrupt, seen in RIS/MIS by polling. */
#include "guest.h"

#define GPIO        0x09030000u
#define REG(off)    (*(volatile uint32_t *)(GPIO + (off)))
#define DATA(mask)  REG((mask) << 2)
#define DIR         REG(0x400)
#define IS          REG(0x404)
#define IBE         REG(0x408)
#define IEV         REG(0x40C)
#define IE          REG(0x410)
#define RIS         REG(0x414)
#define MIS         REG(0x418)
#define IC          REG(0x41C)
#define KEY         (1u << 3)

int main(void)
{
    printf("reset: dir=%x ie=%x ris=%x data=%x\n", DIR, IE, RIS, DATA(0xFF));
    printf("id: %x %x %x %x / %x %x %x %x\n", REG(0xFE0), REG(0xFE4), REG(0xFE8),
           REG(0xFEC), REG(0xFF0), REG(0xFF4), REG(0xFF8), REG(0xFFC));
    DIR = 0xF0;                      /* 7..4 outputs, 3..0 inputs */
    DATA(0xA0) = 0xFF;               /* only bits 7 and 5 are addressed */
    printf("masked: all=%x b5=%x b4=%x\n", DATA(0xFF), DATA(0x20), DATA(0x10));
    DATA(0x0F) = 0xFF;               /* inputs: not written */
    printf("inputs: %x\n", DATA(0x0F));
    DATA(0xFF) = 0;

    IS = 0;                          /* edge */
    IBE = KEY;                       /* both edges */
    IE = KEY;
    printf("armed: ris=%x\n", RIS);
    printf("ready\n");
    while (!(RIS & KEY))
        ;
    printf("pressed: mis=%x\n", MIS);
    IC = KEY;
    while (DATA(KEY))                /* released 100 ms later */
        ;
    while (!(RIS & KEY))
        ;
    printf("released: mis=%x data=%x\n", MIS, DATA(KEY));
    IC = KEY;
    printf("cleared: ris=%x\n", RIS);
    return 0;
}
