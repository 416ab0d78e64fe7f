/* Integer matrix multiplication C = A * B (32-bit wrap-around), repeated
 * with the result fed back; prints checksums and a few elements. */
#include "guest.h"

#ifndef ITERS
#define ITERS 24            /* multiplications */
#endif
#define N 40

static int32_t A[N][N], B[N][N], C[N][N];

static void matmul(void)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            uint32_t s = 0;
            for (int k = 0; k < N; k++)
                s += (uint32_t)A[i][k] * (uint32_t)B[k][j];
            C[i][j] = (int32_t)s;
        }
}

static uint32_t checksum(int32_t m[N][N])
{
    uint32_t s = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            s = (s << 5 | s >> 27) ^ (uint32_t)m[i][j];
    return s;
}

int main(void)
{
    uint32_t seed = 7;

    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            A[i][j] = (int32_t)(lcg_next(&seed) >> 24) - 128;
            B[i][j] = (int32_t)(lcg_next(&seed) >> 26) - 32;
        }
    for (int it = 0; it < ITERS; it++) {
        matmul();
        printf("iter %2d: checksum %08x  C[0][0]=%d C[%d][%d]=%d\n", it, checksum(C),
               C[0][0], N - 1, N - 1, C[N - 1][N - 1]);
        /* next A: the result, scaled down so values stay varied */
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++)
                A[i][j] = (C[i][j] >> 7) ^ (int32_t)(i * N + j);
    }
    printf("matmul: %d x %dx%d, final checksum %08x\n", ITERS, N, N, checksum(C));
    return 0;
}
