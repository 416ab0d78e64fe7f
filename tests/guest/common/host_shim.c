/* Host target layer: the guest program compiled natively writes its
 * "UART" output to stdout; this is how expected outputs are made.
 * The build renames the program's main to guest_main (-Dmain=guest_main). */
#include <unistd.h>
#include "guest.h"

#undef main           /* this file holds the real one */
int guest_main(void);

static char out_buf[1 << 16];
static size_t out_len;

static void flush_out(void)
{
    size_t done = 0;

    while (done < out_len) {
        ssize_t n = write(1, out_buf + done, out_len - done);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    out_len = 0;
}

void uart_putc(int c)
{
    if (out_len == sizeof(out_buf))
        flush_out();
    out_buf[out_len++] = (char)c;
}

void guest_exit(int code)
{
    if (code != 0)
        printf("*** exit code %d\n", code);
    flush_out();
    _exit(0);       /* PSCI SYSTEM_OFF: QEMU exits 0 */
}

int main(void)
{
    guest_exit(guest_main());
}
