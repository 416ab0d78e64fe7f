/* virtio-blk over virtio-mmio, polled (virtio 1.2 sections 3.1, 4.2, 2.7, 5.2).
 *
 * Scans the 32 virtio-mmio transports of QEMU's virt board (0x0a000000,
 * stride 0x200), takes the block device, initializes it as 3.1.1 says,
 * sets up one split queue of 8 entries and then, each as one request:
 *   reads sector 0 and prints its first bytes and a checksum,
 *   writes sector 1 with a known pattern, flushes,
 *   reads the last sector + 1 (must fail: IOERR), asks for the device id.
 * No interrupts: the guest polls the used ring index and then checks and
 * acknowledges InterruptStatus.
 *
 * Works over either transport layout: modern (version 2, 4.2.2; QEMU with
 * -global virtio-mmio.force-legacy=false) or legacy (version 1, 4.2.4; QEMU's
 * default), where the queue is one page-aligned area at QueuePFN and there
 * is no FEATURES_OK step.
 */
#include "guest.h"

#define MMIO_BASE   0x0a000000u
#define MMIO_STRIDE 0x200u
#define NSLOTS      32

/* 4.2.2 register offsets */
#define R_MAGIC          0x000
#define R_VERSION        0x004
#define R_DEVICE_ID      0x008
#define R_VENDOR_ID      0x00c
#define R_DEV_FEATURES   0x010
#define R_DEV_FEAT_SEL   0x014
#define R_DRV_FEATURES   0x020
#define R_DRV_FEAT_SEL   0x024
#define R_QUEUE_SEL      0x030
#define R_QUEUE_NUM_MAX  0x034
#define R_QUEUE_NUM      0x038
#define R_GUEST_PAGE_SIZE 0x028
#define R_QUEUE_ALIGN    0x03c
#define R_QUEUE_PFN      0x040
#define R_QUEUE_READY    0x044
#define R_QUEUE_NOTIFY   0x050
#define R_INT_STATUS     0x060
#define R_INT_ACK        0x064
#define R_STATUS         0x070
#define R_DESC_LO        0x080
#define R_DESC_HI        0x084
#define R_DRIVER_LO      0x090
#define R_DRIVER_HI      0x094
#define R_DEVICE_LO      0x0a0
#define R_DEVICE_HI      0x0a4
#define R_CONFIG         0x100

/* 2.1 status bits */
#define S_ACK 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8

/* feature bits (6, 5.2.3) */
#define F_VERSION_1_HI  (1u << 0)   /* bit 32 */
#define F_BLK_SEG_MAX   (1u << 2)
#define F_BLK_RO        (1u << 5)
#define F_BLK_BLK_SIZE  (1u << 6)
#define F_BLK_FLUSH     (1u << 9)

/* 5.2.6 */
#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define T_GET_ID 8

#define QSIZE 8
#define D_NEXT 1
#define D_WRITE 2

struct desc { uint32_t addr_lo, addr_hi, len; uint16_t flags, next; };
struct avail { uint16_t flags, idx, ring[QSIZE], used_event; };
struct used_elem { uint32_t id, len; };
struct used { uint16_t flags, idx; struct used_elem ring[QSIZE]; uint16_t avail_event; };
struct req_hdr { uint32_t type, reserved, sector_lo, sector_hi; };

/* The queue lives in one area laid out as legacy requires (2.7 "Legacy
 * Interfaces": descriptors, available ring, used ring at the next 4 KiB),
 * which is also a valid modern placement. */
#define PAGE 4096u
static uint8_t queue_area[2 * PAGE] __attribute__((aligned(4096)));
#define vq_desc ((struct desc *)queue_area)
#define vq_avail (*(struct avail *)(queue_area + 16 * QSIZE))
#define vq_used (*(struct used *)(queue_area + PAGE))
static struct req_hdr hdr __attribute__((aligned(16)));
static uint8_t data[512] __attribute__((aligned(16)));
static volatile uint8_t status_byte;

static uint32_t base;

static inline void dsb(void) { __asm__ volatile("dsb" ::: "memory"); }

static uint32_t rd(uint32_t off) { return *(volatile uint32_t *)(base + off); }
static void wr(uint32_t off, uint32_t v) { *(volatile uint32_t *)(base + off) = v; }
static uint8_t rd8(uint32_t off) { return *(volatile uint8_t *)(base + off); }

static uint32_t avail_idx;

/* One request: header, optional data (device-readable for OUT,
 * device-writable otherwise), status.  Returns the status byte, or -1 when
 * the device did not answer. */
static int request(uint32_t type, uint32_t sector, uint32_t len, uint32_t *used_len)
{
    int n = 0;
    hdr.type = type;
    hdr.reserved = 0;
    hdr.sector_lo = sector;
    hdr.sector_hi = 0;
    status_byte = 0xff;

    vq_desc[0] = (struct desc){(uint32_t)&hdr, 0, sizeof hdr, D_NEXT, 1};
    n = 1;
    if (len) {
        vq_desc[1] = (struct desc){(uint32_t)data, 0, len,
                                (uint16_t)(D_NEXT | (type == T_OUT ? 0 : D_WRITE)), 2};
        n = 2;
    }
    vq_desc[n - 1].next = (uint16_t)n;
    vq_desc[n] = (struct desc){(uint32_t)&status_byte, 0, 1, D_WRITE, 0};

    uint16_t want = (uint16_t)(vq_used.idx + 1);
    vq_avail.ring[avail_idx % QSIZE] = 0;
    dsb();
    avail_idx++;
    vq_avail.idx = (uint16_t)avail_idx;
    dsb();
    wr(R_QUEUE_NOTIFY, 0);
    for (uint32_t spin = 0; spin < 10000000u; spin++) {
        dsb();
        if (*(volatile uint16_t *)&vq_used.idx == want) {
            struct used_elem *e = &vq_used.ring[(want - 1) % QSIZE];
            *used_len = e->len;
            if (e->id != 0)
                printf("  used id %u, expected 0\n", e->id);
            return status_byte;
        }
    }
    return -1;
}

static uint32_t checksum(const uint8_t *p, uint32_t n)
{
    uint32_t h = 2166136261u;           /* FNV-1a */
    for (uint32_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* the first n bytes of p as a C string */
static const char *prefix(const uint8_t *p, uint32_t n)
{
    static char buf[64];
    memcpy(buf, p, n);
    buf[n] = 0;
    return buf;
}

static void ack_interrupt(void)
{
    uint32_t isr = rd(R_INT_STATUS);
    wr(R_INT_ACK, isr);
    printf("  isr %u -> %u\n", isr, rd(R_INT_STATUS));
}

int main(void)
{
    int slot = -1;
    for (int i = 0; i < NSLOTS; i++) {
        base = MMIO_BASE + MMIO_STRIDE * (uint32_t)i;
        if (rd(R_MAGIC) != 0x74726976u) {
            printf("slot %d: bad magic %x\n", i, rd(R_MAGIC));
            continue;
        }
        uint32_t id = rd(R_DEVICE_ID);
        if (id != 0)
            printf("slot %d at %x: version %u device %u vendor %x\n", i, base,
                   rd(R_VERSION), id, rd(R_VENDOR_ID));
        if (id == 2 && slot < 0)
            slot = i;
    }
    if (slot < 0) {
        printf("no virtio-blk\n");
        guest_exit(1);
    }
    base = MMIO_BASE + MMIO_STRIDE * (uint32_t)slot;
    int legacy = rd(R_VERSION) == 1;

    /* 3.1.1 driver initialization */
    wr(R_STATUS, 0);
    wr(R_STATUS, S_ACK);
    wr(R_STATUS, S_ACK | S_DRIVER);
    wr(R_DEV_FEAT_SEL, 1);
    uint32_t hi = rd(R_DEV_FEATURES);
    wr(R_DEV_FEAT_SEL, 0);
    uint32_t lo = rd(R_DEV_FEATURES);
    printf("features: VERSION_1 %u SEG_MAX %u BLK_SIZE %u FLUSH %u RO %u\n",
           !!(hi & F_VERSION_1_HI), !!(lo & F_BLK_SEG_MAX), !!(lo & F_BLK_BLK_SIZE),
           !!(lo & F_BLK_FLUSH), !!(lo & F_BLK_RO));
    wr(R_DRV_FEAT_SEL, 0);
    wr(R_DRV_FEATURES, lo & (F_BLK_SEG_MAX | F_BLK_BLK_SIZE | F_BLK_FLUSH));
    if (!legacy) {
        wr(R_DRV_FEAT_SEL, 1);
        wr(R_DRV_FEATURES, F_VERSION_1_HI);
    }
    uint32_t features_ok = legacy ? 0 : S_FEATURES_OK;  /* legacy has no FEATURES_OK */
    wr(R_STATUS, S_ACK | S_DRIVER | features_ok);
    printf("status after features: %u\n", rd(R_STATUS));

    /* 5.2.4 config space, read bytewise where it is not 32-bit aligned */
    uint32_t cap_lo = rd(R_CONFIG), cap_hi = rd(R_CONFIG + 4);
    printf("capacity %u:%u sectors, seg_max %u, blk_size %u, byte0 %u\n",
           cap_hi, cap_lo, rd(R_CONFIG + 0x0c), rd(R_CONFIG + 0x14), rd8(R_CONFIG));

    /* one split queue (4.2.3.2) */
    wr(R_QUEUE_SEL, 0);
    uint32_t live_reg = legacy ? R_QUEUE_PFN : R_QUEUE_READY;
    printf("queue 0: num_max %u live %u\n", rd(R_QUEUE_NUM_MAX), rd(live_reg) != 0);
    wr(R_QUEUE_NUM, QSIZE);
    if (legacy) {
        wr(R_GUEST_PAGE_SIZE, PAGE);
        wr(R_QUEUE_ALIGN, PAGE);
        wr(R_QUEUE_PFN, (uint32_t)queue_area / PAGE);
    } else {
        wr(R_DESC_LO, (uint32_t)vq_desc);
        wr(R_DESC_HI, 0);
        wr(R_DRIVER_LO, (uint32_t)&vq_avail);
        wr(R_DRIVER_HI, 0);
        wr(R_DEVICE_LO, (uint32_t)&vq_used);
        wr(R_DEVICE_HI, 0);
        wr(R_QUEUE_READY, 1);
    }
    wr(R_STATUS, S_ACK | S_DRIVER | features_ok | S_DRIVER_OK);
    printf("status %u, queue live %u\n", rd(R_STATUS), rd(live_reg) != 0);

    uint32_t ulen = 0;
    int st = request(T_IN, 0, 512, &ulen);
    printf("read sector 0: status %d used %u \"%s\" fnv %x\n", st, ulen, prefix(data, 40),
           checksum(data, 512));
    ack_interrupt();

    for (uint32_t i = 0; i < 512; i++)
        data[i] = (uint8_t)(i * 7 + 1);
    memcpy(data, "written by the guest", 20);
    st = request(T_OUT, 1, 512, &ulen);
    printf("write sector 1: status %d used %u\n", st, ulen);
    ack_interrupt();

    st = request(T_FLUSH, 0, 0, &ulen);
    printf("flush: status %d used %u\n", st, ulen);
    ack_interrupt();

    st = request(T_IN, cap_lo, 512, &ulen);
    printf("read sector %u (past the end): status %d\n", cap_lo, st);
    ack_interrupt();

    memset(data, 0, sizeof data);
    st = request(T_GET_ID, 0, 20, &ulen);
    data[20] = 0;
    printf("get id: status %d \"%s\"\n", st, (char *)data);
    ack_interrupt();

    memset(data, 0, sizeof data);
    st = request(T_IN, 1, 512, &ulen);
    printf("read back sector 1: status %d \"%s\" fnv %x\n", st, prefix(data, 20),
           checksum(data, 512));
    ack_interrupt();

    printf("final status %u\n", rd(R_STATUS));
    guest_exit(0);
}
