/* A host-time alarm: one thread per CPU that ORs a bit into the CPU's
 * exit-request word when CLOCK_MONOTONIC passes the armed time, so the
 * exec loop learns of a deadline without polling (runtime/timer_fns.pxi).
 * Arming is a mutex and a condition signal: no Python, no GIL.  Until it
 * is re-armed the alarm fires again (1 ms, doubling up to 100 ms), so a
 * request that another writer of the word lost is raised again. */
#ifndef ARMTCG_HOST_ALARM_H
#define ARMTCG_HOST_ALARM_H

#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define HOST_ALARM_NONE UINT64_MAX
#define HOST_ALARM_REFIRE_NS 1000000ull
#define HOST_ALARM_REFIRE_MAX_NS 100000000ull

typedef struct HostAlarm {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t target;                /* CLOCK_MONOTONIC ns; HOST_ALARM_NONE: disarmed */
    int running;
    volatile uint32_t *word;
    uint32_t bit;
} HostAlarm;

static inline uint64_t host_alarm_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *host_alarm_main(void *arg)
{
    HostAlarm *a = (HostAlarm *)arg;
    uint64_t refire = HOST_ALARM_REFIRE_NS, fired_for = HOST_ALARM_NONE;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);     /* signals belong to Python's thread */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);     /* wake at the deadline, not 50 us late */
    pthread_mutex_lock(&a->mu);
    while (a->running) {
        uint64_t now, wake;
        struct timespec ts;
        if (a->target == HOST_ALARM_NONE) {
            pthread_cond_wait(&a->cv, &a->mu);
            continue;
        }
        now = host_alarm_now();
        wake = a->target;
        if (now >= a->target) {
            if (fired_for != a->target) {
                fired_for = a->target;
                refire = HOST_ALARM_REFIRE_NS;
            }
            __atomic_or_fetch(a->word, a->bit, __ATOMIC_SEQ_CST);
            wake = now + refire;
            if (refire < HOST_ALARM_REFIRE_MAX_NS)
                refire *= 2;
        }
        ts.tv_sec = (time_t)(wake / 1000000000ull);
        ts.tv_nsec = (long)(wake % 1000000000ull);
        pthread_cond_timedwait(&a->cv, &a->mu, &ts);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* NULL if the thread cannot be made (the caller falls back to Python's alarm) */
static HostAlarm *host_alarm_new(volatile uint32_t *word, uint32_t bit)
{
    pthread_condattr_t attr;
    HostAlarm *a = (HostAlarm *)calloc(1, sizeof(HostAlarm));
    if (a == NULL)
        return NULL;
    a->word = word;
    a->bit = bit;
    a->target = HOST_ALARM_NONE;
    a->running = 1;
    pthread_mutex_init(&a->mu, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&a->cv, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&a->thread, NULL, host_alarm_main, a) != 0) {
        pthread_cond_destroy(&a->cv);
        pthread_mutex_destroy(&a->mu);
        free(a);
        return NULL;
    }
    return a;
}

static inline void host_alarm_set(HostAlarm *a, uint64_t target)
{
    pthread_mutex_lock(&a->mu);
    if (target != a->target) {
        a->target = target;
        pthread_cond_signal(&a->cv);
    }
    pthread_mutex_unlock(&a->mu);
}

static void host_alarm_free(HostAlarm *a)
{
    pthread_mutex_lock(&a->mu);
    a->running = 0;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->thread, NULL);
    pthread_cond_destroy(&a->cv);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

#endif
