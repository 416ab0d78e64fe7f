/* cp14 v7.1 debug registers (ARM ARM DDI 0406C C6.4, C11.10, C11.11) as
 * Linux 6.1's hw_breakpoint.c uses them, plus the access rules from PL0:
 * the same lines under QEMU 7.2 virt and armtcg except where
 * tests/test_cp14_debug.py lists QEMU's departures.  Probes: debug_cp14.S. */
#include "guest.h"

uint32_t try_pl1(uint32_t (*fn)(uint32_t), uint32_t v);
uint32_t try_pl0(uint32_t (*fn)(uint32_t), uint32_t v);
extern uint32_t probe_val, probe_hi;

#define PROBES(X) X(DBGDIDR) X(DBGDRAR) X(DBGDSAR) X(DBGDSCRint) X(DBGDSCRext) \
    X(DBGVCR) X(DBGOSLSR) X(DBGOSDLR) X(DBGBVR0) X(DBGBCR0) X(DBGWVR0) X(DBGWCR0) \
    X(DBGBVR6) X(DBGBCR6) X(DBGWVR4) X(DBGWCR4) X(DBGWFAR) X(DBGDTRint) \
    X(DBGDTRRXext) X(DBGDTRTXext) X(DBGBXVR4)
#define DECLARE(n) uint32_t rd_##n(uint32_t);
PROBES(DECLARE)
uint32_t wr_DBGDSCRext(uint32_t), wr_DBGOSLAR(uint32_t), wr_DBGVCR(uint32_t);
uint32_t rd64_DBGDRAR(uint32_t), rd64_DBGDSAR(uint32_t);
#define PAIR(n) uint32_t rd_DBGBVR##n(uint32_t), wr_DBGBVR##n(uint32_t), \
    rd_DBGBCR##n(uint32_t), wr_DBGBCR##n(uint32_t);
PAIR(1) PAIR(2) PAIR(3) PAIR(4) PAIR(5)
uint32_t wr_DBGBVR0(uint32_t), wr_DBGBCR0(uint32_t);
#define WPAIR(n) uint32_t rd_DBGWVR##n(uint32_t), wr_DBGWVR##n(uint32_t), \
    rd_DBGWCR##n(uint32_t), wr_DBGWCR##n(uint32_t);
WPAIR(1) WPAIR(2) WPAIR(3)
uint32_t wr_DBGWVR0(uint32_t), wr_DBGWCR0(uint32_t);

typedef uint32_t (*probe_fn)(uint32_t);
static const probe_fn bvr_rd[] = {rd_DBGBVR0, rd_DBGBVR1, rd_DBGBVR2, rd_DBGBVR3, rd_DBGBVR4, rd_DBGBVR5};
static const probe_fn bvr_wr[] = {wr_DBGBVR0, wr_DBGBVR1, wr_DBGBVR2, wr_DBGBVR3, wr_DBGBVR4, wr_DBGBVR5};
static const probe_fn bcr_rd[] = {rd_DBGBCR0, rd_DBGBCR1, rd_DBGBCR2, rd_DBGBCR3, rd_DBGBCR4, rd_DBGBCR5};
static const probe_fn bcr_wr[] = {wr_DBGBCR0, wr_DBGBCR1, wr_DBGBCR2, wr_DBGBCR3, wr_DBGBCR4, wr_DBGBCR5};
static const probe_fn wvr_rd[] = {rd_DBGWVR0, rd_DBGWVR1, rd_DBGWVR2, rd_DBGWVR3};
static const probe_fn wvr_wr[] = {wr_DBGWVR0, wr_DBGWVR1, wr_DBGWVR2, wr_DBGWVR3};
static const probe_fn wcr_rd[] = {rd_DBGWCR0, rd_DBGWCR1, rd_DBGWCR2, rd_DBGWCR3};
static const probe_fn wcr_wr[] = {wr_DBGWCR0, wr_DBGWCR1, wr_DBGWCR2, wr_DBGWCR3};

static uint32_t pl1(probe_fn fn, uint32_t v)
{
    if (try_pl1(fn, v))
        printf("unexpected UNDEF at PL1\n");
    return probe_val;
}

/* "name pl1 U pl0 U": 1 where the read UNDEFs */
#define ACCESS(n) printf(#n " undef pl1 %u pl0 %u\n", try_pl1(rd_##n, 0), try_pl0(rd_##n, 0));

int main(void)
{
    uint32_t didr = pl1(rd_DBGDIDR, 0), v, i;

    /* DBGDIDR: WRPs-1, BRPs-1, CTX_CMPs-1, Version (5 = v7.1) */
    printf("didr wrps %u brps %u ctx %u version %u\n", (didr >> 28) + 1,
           ((didr >> 24) & 0xf) + 1, ((didr >> 20) & 0xf) + 1, (didr >> 16) & 0xf);
    printf("drar %x dsar %x\n", pl1(rd_DBGDRAR, 0), pl1(rd_DBGDSAR, 0));
    v = pl1(rd64_DBGDRAR, 0);
    printf("drar64 %x:%x", probe_hi, v);
    v = pl1(rd64_DBGDSAR, 0);
    printf(" dsar64 %x:%x\n", probe_hi, v);
    printf("reset dscr %x oslsr %x osdlr %x vcr %x\n", pl1(rd_DBGDSCRint, 0),
           pl1(rd_DBGOSLSR, 0), pl1(rd_DBGOSDLR, 0), pl1(rd_DBGVCR, 0));

    /* hw_breakpoint.c reset_ctrl_regs(): OS Lock off, DBGVCR 0, pairs 0 */
    pl1(wr_DBGOSLAR, 0x3a531faa);              /* ~CORESIGHT_UNLOCK */
    printf("oslar other: oslsr %x\n", pl1(rd_DBGOSLSR, 0));
    pl1(wr_DBGOSLAR, 0xc5acce55);
    printf("oslar key: oslsr %x\n", pl1(rd_DBGOSLSR, 0));
    pl1(wr_DBGOSLAR, 0);
    pl1(wr_DBGVCR, 0);

    /* enable_monitor_mode(): DBGDSCRext.MDBGen, seen in DBGDSCRint */
    pl1(wr_DBGDSCRext, pl1(rd_DBGDSCRint, 0) | (1 << 15));
    printf("mdbgen: dscrint %x dscrext %x\n", pl1(rd_DBGDSCRint, 0), pl1(rd_DBGDSCRext, 0));

    /* the pairs hold values (E clear: nothing armed) */
    for (i = 0; i < 6; i++) {
        pl1(bvr_wr[i], 0x8000 + 0x100 * i);
        pl1(bcr_wr[i], (0xf << 5) | (3 << 1));    /* BAS all, PMC any */
        printf("brp%u %x %x\n", i, pl1(bvr_rd[i], 0), pl1(bcr_rd[i], 0));
    }
    for (i = 0; i < 4; i++) {
        pl1(wvr_wr[i], 0x9000 + 8 * i);
        pl1(wcr_wr[i], (0xff << 5) | (3 << 3) | (3 << 1));   /* 8 bytes, load/store */
        printf("wrp%u %x %x\n", i, pl1(wvr_rd[i], 0), pl1(wcr_rd[i], 0));
    }
    for (i = 0; i < 6; i++) {
        pl1(bcr_wr[i], 0);
        pl1(bvr_wr[i], 0);
    }
    for (i = 0; i < 4; i++) {
        pl1(wcr_wr[i], 0);
        pl1(wvr_wr[i], 0);
    }

    /* which encodings exist, and which PL0 may read (UDCCdis clear) */
    PROBES(ACCESS)
    pl1(wr_DBGDSCRext, 1 << 12);               /* UDCCdis */
    printf("udccdis: dscr %x\n", pl1(rd_DBGDSCRint, 0));
    printf("udccdis: pl0 didr %u drar %u dscrint %u\n", try_pl0(rd_DBGDIDR, 0),
           try_pl0(rd_DBGDRAR, 0), try_pl0(rd_DBGDSCRint, 0));
    pl1(wr_DBGDSCRext, 0);
    return 0;
}
