/* The PCIe host of QEMU 7.2's virt (gpex) with -nodefaults and
 * highmem=off: ECAM at 0x3f000000 (16 buses), the host bridge at 00:00.0,
 * nothing else; the MMIO and PIO windows with no BAR assigned.  The same
 * lines under QEMU and armtcg; tests/test_gpex.py holds the expected text
 * with the PCI specification's rules. */
#include "guest.h"

#define ECAM 0x3f000000u
#define MMIO_WINDOW 0x10000000u
#define PIO_WINDOW 0x3eff0000u
#define CFG(bus, dev, fn, off) (ECAM + ((bus) << 20) + ((dev) << 15) + ((fn) << 12) + (off))

uint32_t try_read32(uint32_t addr), try_read16(uint32_t addr), try_read8(uint32_t addr);
extern volatile uint32_t abort_hit;

static void write32(uint32_t addr, uint32_t v) { *(volatile uint32_t *)addr = v; }
static void write8(uint32_t addr, uint8_t v) { *(volatile uint8_t *)addr = v; }

static void show(const char *what, uint32_t addr, uint32_t (*rd)(uint32_t))
{
    uint32_t v = rd(addr);
    printf("%s %x abort %u\n", what, v, abort_hit);
}

int main(void)
{
    uint32_t off, v;

    for (off = 0; off < 0x40; off += 4)
        printf("hb %02x %08x\n", off, try_read32(CFG(0, 0, 0, off)));
    show("hb vendor16", CFG(0, 0, 0, 0), try_read16);
    show("hb class8", CFG(0, 0, 0, 0x0b), try_read8);
    show("hb 0x40", CFG(0, 0, 0, 0x40), try_read32);
    show("hb 0x100", CFG(0, 0, 0, 0x100), try_read32);
    show("00:00.1", CFG(0, 0, 1, 0), try_read32);
    show("00:01.0", CFG(0, 1, 0, 0), try_read32);
    show("00:1f.7", CFG(0, 31, 7, 0), try_read32);
    show("01:00.0", CFG(1, 0, 0, 0), try_read32);
    show("0f:00.0", CFG(15, 0, 0, 0), try_read32);

    /* writes: read-only ids, the command register, BARs, header bytes */
    write32(CFG(0, 0, 0, 0x00), 0xffffffffu);
    write32(CFG(0, 0, 0, 0x04), 0xffffffffu);
    v = try_read32(CFG(0, 0, 0, 0x04));
    write32(CFG(0, 0, 0, 0x04), 0);
    printf("ids after write %08x, command/status after ~0 %08x\n",
           try_read32(CFG(0, 0, 0, 0)), v);
    for (off = 0x10; off < 0x28; off += 4)
        write32(CFG(0, 0, 0, off), 0xffffffffu);
    write32(CFG(0, 0, 0, 0x30), 0xffffffffu);
    printf("bars after ~0 %08x %08x %08x %08x %08x %08x rom %08x\n",
           try_read32(CFG(0, 0, 0, 0x10)), try_read32(CFG(0, 0, 0, 0x14)),
           try_read32(CFG(0, 0, 0, 0x18)), try_read32(CFG(0, 0, 0, 0x1c)),
           try_read32(CFG(0, 0, 0, 0x20)), try_read32(CFG(0, 0, 0, 0x24)),
           try_read32(CFG(0, 0, 0, 0x30)));
    write32(CFG(0, 0, 0, 0x0c), 0xffffffffu);
    write32(CFG(0, 0, 0, 0x3c), 0xffffffffu);
    printf("0c after ~0 %08x, 3c after ~0 %08x\n", try_read32(CFG(0, 0, 0, 0x0c)),
           try_read32(CFG(0, 0, 0, 0x3c)));
    write8(CFG(0, 0, 0, 0x0c), 0x10);
    write8(CFG(0, 0, 0, 0x3c), 0x05);
    printf("0c byte %08x, 3c byte %08x\n", try_read32(CFG(0, 0, 0, 0x0c)),
           try_read32(CFG(0, 0, 0, 0x3c)));
    write32(CFG(0, 0, 0, 0x40), 0x12345678u);
    write32(CFG(0, 0, 0, 0x100), 0x12345678u);
    write32(CFG(0, 1, 0, 0), 0x12345678u);
    printf("0x40 after write %08x, 0x100 %08x, 00:01.0 %08x\n",
           try_read32(CFG(0, 0, 0, 0x40)), try_read32(CFG(0, 0, 0, 0x100)),
           try_read32(CFG(0, 1, 0, 0)));

    /* the windows, nothing assigned */
    show("mmio window", MMIO_WINDOW, try_read32);
    show("mmio window end", MMIO_WINDOW + 0x2eff0000u - 4, try_read32);
    show("pio window", PIO_WINDOW, try_read32);
    show("pio window byte", PIO_WINDOW + 0x3f8, try_read8);
    write32(MMIO_WINDOW, 0x1234);
    write32(PIO_WINDOW, 0x1234);
    show("mmio after write", MMIO_WINDOW, try_read32);
    return 0;
}
