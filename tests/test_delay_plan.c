/* SPDX-License-Identifier: MIT */
/* test_delay_plan.c -- the pure functions of server/delay_plan.h that the
 * grader links: the frontier's permutation and list delays, and the ideal
 * schedules (greedy, frontier, stages) on hand-computed cases, then
 * against a brute-force clock that applies the rule one ms at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four above, which it needs */

#include <stdlib.h>
#include <string.h>

#include "delay_plan.h"

#define EPS 1e-9

/* got == want within EPS, both said when not. */
#define assert_near(got, want) assert_near_at((got), (want), __FILE__, __LINE__)

static void assert_near_at(double got, double want, const char *file, int line)
{
    if (got < want - EPS || got > want + EPS)
        fail_msg("%s:%d: got %.9g, want %.9g", file, line, got, want);
}

/* ---- the permutation ---- */

/* Every id 1..m at exactly one position, and perm_pos undoes perm_id. */
static void assert_bijection(uint64_t seed, long m)
{
    char *seen = calloc((size_t)m + 1, 1);

    assert_non_null(seen);
    for (long pos = 0; pos < m; pos++) {
        long id = dplan_perm_id(seed, m, pos);

        assert_true(id >= 1 && id <= m);
        assert_int_equal(seen[id], 0);
        seen[id] = 1;
        assert_int_equal(dplan_perm_pos(seed, m, id), pos);
    }
    free(seen);
}

static void test_perm_bijection(void **state)
{
    static const long sizes[] = {1, 2, 3, 4, 5, 7, 16, 17, 100, 1000, 4097, 100000};

    (void)state;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        assert_bijection(1, sizes[i]);
        assert_bijection(12345, sizes[i]);
    }
}

/* A shuffle, not the identity, and another seed shuffles otherwise. */
static void test_perm_shuffles(void **state)
{
    enum { M = 1000 };
    long fixed = 0, same = 0;

    (void)state;
    for (long pos = 0; pos < M; pos++) {
        fixed += dplan_perm_id(1, M, pos) == pos + 1;
        same += dplan_perm_id(1, M, pos) == dplan_perm_id(2, M, pos);
    }
    assert_true(fixed < M / 20);
    assert_true(same < M / 20);
}

static void test_perm_bad_args(void **state)
{
    (void)state;
    assert_int_equal(dplan_perm_id(1, 0, 0), -1);
    assert_int_equal(dplan_perm_id(1, 5, 5), -1);
    assert_int_equal(dplan_perm_id(1, 5, -1), -1);
    assert_int_equal(dplan_perm_pos(1, 5, 0), -1);
    assert_int_equal(dplan_perm_pos(1, 5, 6), -1);
    assert_int_equal(dplan_perm_id(1, 1, 0), 1);
}

/* Pages cut the permutation in order; every id is on one page. */
static void test_list_pages(void **state)
{
    enum { L = 30, K = 7 };
    long ids[K];
    char seen[L * K + 1] = {0};

    (void)state;
    for (long p = 1; p <= L; p++) {
        assert_int_equal(dplan_list_page(9, L, K, p, ids), 0);
        for (long j = 0; j < K; j++) {
            assert_int_equal(ids[j], dplan_perm_id(9, L * K, (p - 1) * K + j));
            assert_int_equal(seen[ids[j]], 0);
            seen[ids[j]] = 1;
        }
    }
    assert_int_equal(dplan_list_page(9, L, K, 0, ids), -1);
    assert_int_equal(dplan_list_page(9, L, K, L + 1, ids), -1);
    assert_int_equal(dplan_list_page(9, L, 0, 1, ids), 0); /* no items: nothing written */
}

/* List delays: in range, spread, and unrelated to the details'. */
static void test_list_delays(void **state)
{
    long same = 0, lo = 1000, hi = 0;

    (void)state;
    assert_int_equal(dplan_list_delay_ms(1, 5, 300, 300), 300);
    for (long p = 1; p <= 1000; p++) {
        long d = dplan_list_delay_ms(3, p, 10, 110);

        assert_int_equal(d, dplan_list_delay_ms(3, p, 10, 110)); /* pure */
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
        same += d == dplan_delay_ms(3, p, 10, 110);
    }
    assert_true(lo < 15 && hi > 105);
    assert_true(same < 50); /* 1 in 101 by chance: about 10 */
}

/* ---- the greedy schedule ---- */

static void test_greedy_hand(void **state)
{
    static const long d3111[] = {3000, 1000, 1000, 1000};
    static const long d54321[] = {5, 4, 3, 2, 1};

    (void)state;
    /* w=2: one machine runs the 3, the other the three 1s: 3 s */
    assert_near(dplan_greedy_s(d3111, 4, 2), 3.0);
    assert_near(dplan_greedy_s(d3111, 4, 1), 6.0);
    assert_near(dplan_greedy_s(d3111, 4, 3), 3.0);
    assert_near(dplan_greedy_s(d3111, 4, 0), 3.0);   /* all at once */
    assert_near(dplan_greedy_s(d3111, 4, -1), 3.0);  /* all at once */
    assert_near(dplan_greedy_s(d3111, 4, 100), 3.0); /* more than ids */
    /* w=2: 5 | 4, 3 -> the 4-machine at 7 | 2 -> the 5-machine at 7 | 1 at 8 */
    assert_near(dplan_greedy_s(d54321, 5, 2), 0.008);
    assert_near(dplan_greedy_s(d54321, 0, 2), 0.0);
    assert_near(dplan_greedy_s(NULL, 0, 2), 0.0);
}

/* Far over 128 machines (the old cap): ceil(n / w) rounds of 1 s. */
static void test_greedy_many_machines(void **state)
{
    enum { N = 3000 };
    long *d = malloc(N * sizeof *d);

    (void)state;
    assert_non_null(d);
    for (int i = 0; i < N; i++)
        d[i] = 1000;
    assert_near(dplan_greedy_s(d, N, 200), 15.0);
    assert_near(dplan_greedy_s(d, N, 129), 24.0); /* 3000/129 = 23.3 */
    assert_near(dplan_greedy_s(d, N, 1500), 2.0);
    assert_near(dplan_greedy_s(d, N, 2999), 2.0);
    assert_near(dplan_greedy_s(d, N, 3000), 1.0);
    free(d);
}

static void test_greedy_bad_args(void **state)
{
    static const long neg[] = {1, -1};

    (void)state;
    assert_true(dplan_greedy_s(NULL, 3, 1) < 0);
    assert_true(dplan_greedy_s(neg, 2, 1) < 0);
    assert_true(dplan_greedy_s(neg, -1, 1) < 0);
}

/* ---- the frontier schedule ---- */

/* The case the docs walk through: lists 1 and 2 ms; page 1 lists details
 * of 3 and 1 ms, page 2 two of 1 ms. */
static const long lists_a[] = {1, 2};
static const long details_a[] = {3, 1, 1, 1};

static double frontier_a(int w, unsigned flags)
{
    return dplan_frontier_s(lists_a, 2, details_a, 2, w, flags) * 1000;
}

static void test_frontier_hand(void **state)
{
    (void)state;
    /* unlimited: list 1 ends at 1, its 3 ms detail at 4 */
    assert_near(frontier_a(0, 0), 4);
    /* chain: list 2 from 1 to 3, its details to 4; list 1's 3 ms still ends at 4 */
    assert_near(frontier_a(0, DPLAN_CHAIN), 4);
    /* one machine: everything one after another */
    assert_near(frontier_a(1, 0), 9);
    assert_near(frontier_a(1, DPLAN_CHAIN | DPLAN_STAGES), 9);
    /* w=2: L1 0-1, L2 0-2; D1a 1-4, D1b 2-3, D2a 3-4, D2b 4-5 */
    assert_near(frontier_a(2, 0), 5);
    /* chain, first in first out: L1 0-1; D1a 1-4, D1b 1-2 (before L2 on the page); L2 2-4;
     * D2a, D2b 4-5 */
    assert_near(frontier_a(2, DPLAN_CHAIN), 5);
    /* stages: lists end at 2, then details by themselves; chain, level by level: L1 0-1,
     * then D1a, D1b and L2 to 4, then D2a, D2b to 5 */
    assert_near(frontier_a(0, DPLAN_STAGES), 2 + 3);
    assert_near(frontier_a(0, DPLAN_STAGES | DPLAN_CHAIN), 5);
    assert_near(frontier_a(2, DPLAN_STAGES), 2 + 3);
}

/* Pages are taken in the order they became known: w=2, lists of 1 ms,
 * details of 5. The seeded lists first: L1, L2 0-1; at 1, L3 1-2 and D1
 * 1-6; D2 2-7; D3 6-11. */
static void test_frontier_fifo(void **state)
{
    static const long lists[] = {1, 1, 1}, details[] = {5, 5, 5};

    (void)state;
    assert_near(dplan_frontier_s(lists, 3, details, 1, 2, 0) * 1000, 11);
    /* chain: L1 0-1; D1 1-6 and L2 1-2 (D1 is first on the page); D2 2-7; L3 6-7; D3 7-12
     * (a crawler that took lists first would end at 11) */
    assert_near(dplan_frontier_s(lists, 3, details, 1, 2, DPLAN_CHAIN) * 1000, 12);
    /* unlimited: all lists end at 1 (chain: at 1, 2, 3), details 5 later */
    assert_near(dplan_frontier_s(lists, 3, details, 1, 0, 0) * 1000, 6);
    assert_near(dplan_frontier_s(lists, 3, details, 1, 0, DPLAN_CHAIN) * 1000, 8);
    /* stages on 2: lists end at 2, then 5, 5 | 5; chain, level by level: L1 0-1, D1 and L2
     * 1-6, D2 and L3 6-11, D3 11-16 */
    assert_near(dplan_frontier_s(lists, 3, details, 1, 2, DPLAN_STAGES) * 1000, 12);
    assert_near(dplan_frontier_s(lists, 3, details, 1, 2, DPLAN_STAGES | DPLAN_CHAIN) * 1000, 16);
}

static void test_frontier_edges(void **state)
{
    static const long lists[] = {1, 2, 3};

    (void)state;
    assert_near(dplan_frontier_s(NULL, 0, NULL, 0, 2, 0), 0);
    assert_near(dplan_frontier_s(NULL, 0, NULL, 5, 0, DPLAN_STAGES), 0);
    /* lists without items: the lists alone */
    assert_near(dplan_frontier_s(lists, 3, NULL, 0, 0, 0) * 1000, 3);
    assert_near(dplan_frontier_s(lists, 3, NULL, 0, 0, DPLAN_CHAIN) * 1000, 6);
    assert_near(dplan_frontier_s(lists, 3, NULL, 0, 2, 0) * 1000, 4);
    assert_true(dplan_frontier_s(NULL, 3, NULL, 0, 2, 0) < 0);
    assert_true(dplan_frontier_s(lists, 3, NULL, 1, 2, 0) < 0);
    assert_true(dplan_frontier_s(lists, -1, NULL, 0, 2, 0) < 0);
}

/* ---- against a brute-force clock ---- */

struct task {
    long ready, end; /* -1: not yet known / not started */
    long d;
    int list;  /* a list page (else a detail) */
    long page; /* 0-based; a detail's list page */
    long src;  /* the list page that made it known (-1: seeded) ... */
    long ord;  /* ... and its place there (a list's link to the next comes last) */
};

/* Was a known before b, in a queue kept first in, first out? */
static int known_first(const struct task *a, const struct task *b)
{
    if (a->ready != b->ready)
        return a->ready < b->ready;
    return a->src != b->src ? a->src < b->src : a->ord < b->ord;
}

/* The rule applied one ms at a time (delays >= 1, so every event is on
 * a whole ms): at t, ended tasks free their machines and make their
 * details (and with chain the next list) ready; then each free machine
 * takes the ready task known first (seeded lists, then by the time they
 * became known, the lower page first, each page in its own order). */
static long brute_frontier(const long *lists, long L, const long *details, long K, long w,
                           int chain)
{
    long n = L + L * K, started = 0, done = 0, busy = 0, end = 0;
    struct task *t = calloc((size_t)n + 1, sizeof *t);

    assert_non_null(t);
    for (long p = 0; p < L; p++) {
        int found = chain && p > 0; /* linked from list p - 1, after its details */

        t[p] = (struct task){.ready = found ? -1 : 0,
                             .end = -1,
                             .d = lists[p],
                             .list = 1,
                             .page = p,
                             .src = found ? p - 1 : -1,
                             .ord = found ? K : p};
        for (long j = 0; j < K; j++)
            t[L + p * K + j] = (struct task){
                .ready = -1, .end = -1, .d = details[p * K + j], .page = p, .src = p, .ord = j};
    }
    if (w <= 0)
        w = n;
    for (long now = 0; done < n; now++) {
        for (long i = 0; i < n; i++) {
            if (t[i].end != now)
                continue;
            done++;
            busy--;
            for (long j = 0; t[i].list && j < K; j++)
                t[L + t[i].page * K + j].ready = now;
            if (t[i].list && chain && t[i].page + 1 < L)
                t[t[i].page + 1].ready = now;
        }
        while (busy < w && started < n) {
            long best = -1;

            for (long i = 0; i < n; i++) {
                if (t[i].end != -1 || t[i].ready == -1 || t[i].ready > now)
                    continue;
                if (best == -1 || known_first(&t[i], &t[best]))
                    best = i;
            }
            if (best == -1)
                break;
            t[best].end = now + t[best].d;
            end = t[best].end > end ? t[best].end : end;
            busy++;
            started++;
        }
    }
    free(t);
    return end;
}

static void test_frontier_brute(void **state)
{
    unsigned long long x = 42;
    long lists[8], details[8 * 5];

    (void)state;
    for (int round = 0; round < 3000; round++) {
        long L = (long)(dplan_mix(x++) % 7), K = (long)(dplan_mix(x++) % 5);
        long w = (long)(dplan_mix(x++) % 6);
        int chain = (int)(dplan_mix(x++) % 2);
        double got;
        long want;

        for (long i = 0; i < L; i++)
            lists[i] = 1 + (long)(dplan_mix(x++) % 9);
        for (long i = 0; i < L * K; i++)
            details[i] = 1 + (long)(dplan_mix(x++) % 9);
        want = brute_frontier(lists, L, details, K, w, chain);
        got = dplan_frontier_s(lists, (int)L, details, (int)K, (int)w, chain ? DPLAN_CHAIN : 0);
        if (got * 1000 < want - EPS || got * 1000 > want + EPS)
            fail_msg("L=%ld K=%ld w=%ld chain=%d: got %.3f ms, want %ld", L, K, w, chain,
                     got * 1000, want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_perm_bijection),       cmocka_unit_test(test_perm_shuffles),
        cmocka_unit_test(test_perm_bad_args),        cmocka_unit_test(test_list_pages),
        cmocka_unit_test(test_list_delays),          cmocka_unit_test(test_greedy_hand),
        cmocka_unit_test(test_greedy_many_machines), cmocka_unit_test(test_greedy_bad_args),
        cmocka_unit_test(test_frontier_hand),        cmocka_unit_test(test_frontier_fifo),
        cmocka_unit_test(test_frontier_edges),       cmocka_unit_test(test_frontier_brute),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
