/* SPDX-License-Identifier: MIT */
/* test_el.c -- unit tests of server/el.c's timers: a wave of due timers
 * is fired a bounded batch per turn, earliest first, with a ready fd
 * served between batches; the turns in between do not sleep; and no timer
 * fires before its time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four above, which it needs */

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "el.h"

#define BATCH 64 /* el.c's EL_TIMER_BATCH */
#define WAVE  200

struct log {
    int fired;           /* timer callbacks so far */
    int fd_at;           /* fired when the fd callback ran; -1 before */
    long long due[WAVE]; /* due time of timer k (el_now_us clock) */
    long long late_min;  /* smallest fire time - due time seen */
    int order_ok;        /* every timer fired after the ones due before it */
    long long last_due;
    int wake_fd; /* written by the first timer: makes the pipe ready */
};

static struct log lg;

static long wave_cb(struct el *el, long long id, void *arg)
{
    int k = (int)(intptr_t)arg;
    long long late = el_now_us() - lg.due[k];

    (void)el;
    (void)id;
    if (late < lg.late_min)
        lg.late_min = late;
    if (lg.due[k] < lg.last_due)
        lg.order_ok = 0;
    lg.last_due = lg.due[k];
    if (lg.fired++ == 0 && lg.wake_fd != -1)
        assert_int_equal(write(lg.wake_fd, "x", 1), 1);
    return EL_NOMORE;
}

static void fd_cb(struct el *el, int fd, int mask, void *arg)
{
    char c;

    (void)arg;
    (void)mask;
    assert_int_equal(read(fd, &c, 1), 1);
    assert_int_equal(el_fd_del(el, fd, EL_READ), 0);
    lg.fd_at = lg.fired;
}

static void log_reset(int wake_fd)
{
    lg = (struct log){.fd_at = -1, .late_min = 1LL << 62, .order_ok = 1, .wake_fd = wake_fd};
}

/* Add WAVE timers, timer k due at ms_of(k) ms. */
static void add_wave(struct el *el, long (*ms_of)(int))
{
    for (int k = 0; k < WAVE; k++) {
        lg.due[k] = el_now_us() + ms_of(k) * 1000LL;
        assert_true(el_timer_add(el, ms_of(k), wave_cb, (void *)(intptr_t)k) > 0);
    }
}

static long all_at_20(int k)
{
    (void)k;
    return 20;
}

static long spread(int k)
{
    return 5 + (k * 7919) % 40; /* 5..44 ms, out of order */
}

/* 200 timers all due: 64 a turn, never early, and the turns after the
 * first do not sleep (they poll and fire the next batch). */
static void test_el_batches(void **state)
{
    struct el *el = el_create();
    int turns = 0;
    long long t0;

    (void)state;
    assert_non_null(el);
    log_reset(-1);
    add_wave(el, all_at_20);
    usleep(30000); /* all 200 due */
    assert_int_equal(el_run_once(el, -1), 0);
    assert_int_equal(lg.fired, BATCH);
    t0 = el_now_us();
    while (lg.fired < WAVE) {
        int before = lg.fired;

        assert_int_equal(el_run_once(el, -1), 0);
        assert_true(lg.fired - before <= BATCH);
        turns++;
    }
    assert_int_equal(turns, 3);              /* 64 + 64 + 8 after the first 64 */
    assert_true(el_now_us() - t0 < 1000000); /* would be forever if a turn slept */
    assert_true(lg.late_min >= 0);
    el_free(el);
}

/* Uneven due times: fired earliest first, none early. */
static void test_el_order(void **state)
{
    struct el *el = el_create();

    (void)state;
    assert_non_null(el);
    log_reset(-1);
    add_wave(el, spread);
    while (lg.fired < WAVE)
        assert_int_equal(el_run_once(el, -1), 0);
    assert_true(lg.order_ok);
    assert_true(lg.late_min >= 0);
    el_free(el);
}

/* The first timer of a wave makes an fd ready: its callback runs after
 * that batch, before the rest of the wave. */
static void test_el_fd_between_batches(void **state)
{
    struct el *el = el_create();
    int p[2];

    (void)state;
    assert_non_null(el);
    assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
    log_reset(p[1]);
    assert_int_equal(el_fd_add(el, p[0], EL_READ, fd_cb, NULL), 0);
    add_wave(el, all_at_20);
    usleep(30000);
    while (lg.fired < WAVE)
        assert_int_equal(el_run_once(el, -1), 0);
    assert_int_equal(lg.fd_at, BATCH); /* not WAVE: the batch, then the fd */
    el_free(el);
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_el_batches),
        cmocka_unit_test(test_el_order),
        cmocka_unit_test(test_el_fd_between_batches),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
