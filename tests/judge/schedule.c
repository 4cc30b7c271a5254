/* SPDX-License-Identifier: MIT */
/* schedule.c -- the checks of the schedule, against what the server saw:
 * the ideal (greedy) schedule of the delays the server really used, and
 * the fixed ones a mistake follows (batches, strides, blocks, a static
 * split between processes); uneven (wall time between the two), retries
 * (each id tried exactly as often as the policy allows, in a time that
 * keeps every worker busy) and no_idle (the server's timeline: no worker
 * idle while requests wait). */
#include "judge.h"

#include "crawl.h" /* the backoff policy */

#include "delay_plan.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNEVEN_SEEDS 1000 /* seeds tried for the uneven job */

/* ---- schedules of a list of delays ---- */

/* A pool of w that hands out the next request as soon as a worker is
 * free: the server's own ideal (dplan_greedy_s, any w). Should it fail
 * (no memory for its heap), no time bound can be set: HUGE_VAL, so no
 * check fails for it. */
double ideal_s(const long *delays_ms, int n, int w)
{
    double t = dplan_greedy_s(delays_ms, n, w);

    return t < 0 ? HUGE_VAL : t;
}

/* Batches of w, each waiting for its slowest request. */
static double batches_s(const long *delays_ms, int n, int w)
{
    double total = 0;

    for (int i = 0; i < n; i += w) {
        long slowest = 0;

        for (int k = i; k < i + w && k < n; k++)
            slowest = delays_ms[k] > slowest ? delays_ms[k] : slowest;
        total += (double)slowest / 1000.0;
    }
    return total;
}

/* A pool whose worker k takes ids k, k + w, k + 2w, ... (static stride). */
static double stride_s(const long *delays_ms, int n, int w)
{
    double worst = 0;

    for (int k = 0; k < w; k++) {
        double sum = 0;

        for (int i = k; i < n; i += w)
            sum += (double)delays_ms[i] / 1000.0;
        worst = sum > worst ? sum : worst;
    }
    return worst;
}

/* A pool whose worker k takes one contiguous block of ids. */
static double blocks_s(const long *delays_ms, int n, int w)
{
    double worst = 0;
    int per = (n + w - 1) / w;

    for (int start = 0; start < n; start += per) {
        double sum = 0;

        for (int i = start; i < start + per && i < n; i++)
            sum += (double)delays_ms[i] / 1000.0;
        worst = sum > worst ? sum : worst;
    }
    return worst;
}

/* Processes that split the ids in advance (blocks, or every procs-th id),
 * each then a sliding window of w / procs over its own share: a static
 * split between the hybrid's processes. */
static double split_s(const long *delays_ms, int n, int w, int procs, int by_stride)
{
    long mine[JUDGE_MAX_N];
    double worst = 0;
    int per = (n + procs - 1) / procs;

    for (int k = 0; k < procs; k++) {
        int count = 0;
        double t;

        for (int i = 0; i < n && count < JUDGE_MAX_N; i++)
            if (by_stride ? i % procs == k : i / per == k)
                mine[count++] = delays_ms[i];
        t = ideal_s(mine, count, w / procs > 0 ? w / procs : 1);
        worst = t > worst ? t : worst;
    }
    return worst;
}

/* Keep the faster of two schedules, and its name. */
static void faster(double *best, const char **name, double t, const char *what)
{
    if (*best < 0 || t < *best) {
        *best = t;
        *name = what;
    }
}

/* The fastest of the schedules that hand out work in advance or in rounds
 * (with procs > 1, also those that split it between processes). */
static double fixed_schedule_s(const long *delays_ms, int n, int w, int procs, const char **name)
{
    double best = -1;

    faster(&best, name, batches_s(delays_ms, n, w),
           "batches of W that wait for their slowest request");
    faster(&best, name, stride_s(delays_ms, n, w),
           "workers that take every W-th id, fixed in advance");
    faster(&best, name, blocks_s(delays_ms, n, w), "workers that take a fixed block of ids each");
    if (procs > 1) {
        faster(&best, name, split_s(delays_ms, n, w, procs, 0),
               "processes that split the ids into fixed blocks");
        faster(&best, name, split_s(delays_ms, n, w, procs, 1),
               "processes that take every P-th id, fixed in advance");
    }
    return best;
}

/* The judge picks the seed whose delays set the sliding window furthest
 * apart from every fixed schedule: computed, the same on every run. */
long uneven_seed(long first, int n, int w, int procs, long min_ms, long max_ms)
{
    long delays[JUDGE_MAX_N], best_seed = first;
    double best_gap = -1;

    n = n > JUDGE_MAX_N ? JUDGE_MAX_N : n;
    for (long seed = first; seed < first + UNEVEN_SEEDS && n > 0 && w > 0; seed++) {
        const char *name;
        double gap;

        for (int i = 0; i < n; i++)
            delays[i] = dplan_delay_ms((uint64_t)seed, i + 1, min_ms, max_ms);
        gap = fixed_schedule_s(delays, n, w, procs, &name) - ideal_s(delays, n, w);
        if (gap > best_gap) {
            best_gap = gap;
            best_seed = seed;
        }
    }
    return best_seed;
}

void judge_uneven(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    double greedy, fixed, bound;
    const char *name;

    (void)jd;
    if (!ran(o, v))
        return;
    if (!o->plan_ok) {
        fail(v, "the judge could not read its server's delay plan (not your fault: tell your "
                "teacher)");
        return;
    }
    rows_ok(o, v, "", "");
    greedy = ideal_s(o->delays_ms, o->n, workers(o));
    fixed = fixed_schedule_s(o->delays_ms, o->n, workers(o), o->procs, &name);
    bound = greedy + (fixed - greedy) / 2; /* halfway: the window on one side, the rest beyond */
    if (server_span(o) > bound)
        fail(v,
             "the server saw pages asked for %.2f s; a pool that gives a worker the next request "
             "as soon as it is free "
             "takes %.2f s here, and even the best schedule fixed in advance or in rounds (%s) "
             "%.2f s: hand out work one request at a time, as each worker comes free",
             server_span(o), greedy, name, fixed);
}

/* ---- retries: each request tried exactly as often as the policy allows ---- */

/* What the server does with every attempt at id in this job, and the
 * attempts the policy (common/fetch.c) allows: a 5xx, a cut transfer or a
 * timeout is retried up to --retries more times; a wrong page and a good
 * one are final. */
static int attempts_due(const struct obs *o, int id, const char **what)
{
    const struct job_shape *j = o->job;

    *what = in_list(j->fail_ids, id)    ? "HTTP 500"
            : in_list(j->cut_ids, id)   ? "a transfer cut short"
            : in_list(j->stall_ids, id) ? "no answer within --timeout-ms"
            : in_list(j->wrong_ids, id) ? "another id's page"
                                        : NULL;
    if (*what && !in_list(j->wrong_ids, id))
        return 1 + j->retries;
    return 1;
}

/* The backoff before attempt k + 1 (crawl.h's policy), before its jitter:
 * a retry waits between half of it and all of it. */
static double backoff_max_s(int k)
{
    double wait = CRAWL_BACKOFF_BASE_S;

    for (int q = 1; q < k && wait < CRAWL_BACKOFF_MAX_S; q++)
        wait *= 2;
    return wait > CRAWL_BACKOFF_MAX_S ? CRAWL_BACKOFF_MAX_S : wait;
}

/* When the client saw attempt r end: the server's end, but for one the
 * client gave up on (a timeout: the server notices the close later, later
 * still on a loaded machine), no later than its start + --timeout-ms. */
static double client_end_s(const struct obs *o, const struct srv_rec *r)
{
    double by_timeout = r->start_s + o->job->timeout_ms / 1000.0;

    return r->end == 'x' && by_timeout < r->end_s ? by_timeout : r->end_s;
}

/* Every retry waited out its backoff: by the server's clock, attempt k + 1
 * began at least a quarter of backoff_max_s(k) after attempt k ended. The
 * least backoff is half of it; the other half is slack for what the server
 * cannot see: a client slow to connect (a loaded machine) starts its
 * timeout's clock before the server starts its, so a timed-out attempt
 * seems to end later than it did. A retry at once still shows a gap of 0. */
static void backoffs_waited(const struct obs *o, struct verdict *v)
{
    for (int k = 0; k < o->nlog && v->pass; k++) {
        const struct srv_rec *r = &o->log[k];

        for (int q = k + 1; q < o->nlog && r->end_s > 0; q++) {
            const struct srv_rec *next = &o->log[q];
            double gap = next->start_s - client_end_s(o, r);
            double least = 0.25 * backoff_max_s(r->attempt);

            if (next->id != r->id || next->attempt != r->attempt + 1)
                continue;
            if (gap < least)
                fail(v,
                     "id %d's attempt %d began %.0f ms after attempt %d ended: a retry waits out "
                     "its backoff first (backoff_s: at least %.0f ms here; fetch_finish sets "
                     "retry_at), or a failing server gets hammered",
                     r->id, next->attempt, gap * 1000, r->attempt, 2 * least * 1000);
            break;
        }
    }
}

/* A pool that keeps every worker busy, each request taking all its
 * attempts (a stall: the timeout) and the longest backoffs between. */
static double faults_ideal_s(const struct obs *o)
{
    long *busy = calloc((size_t)o->n + 1, sizeof *busy);
    double ideal;

    if (!busy)
        return 1e9;
    for (int id = 1; id <= o->n; id++) {
        const char *what;
        int tries = attempts_due(o, id, &what);
        long each = in_list(o->job->stall_ids, id) ? o->job->timeout_ms
                    : o->plan_ok                   ? o->delays_ms[id - 1]
                                                   : o->job->delay_max;

        busy[id - 1] = each * tries;
        for (int k = 1; k < tries; k++)
            busy[id - 1] += (long)(backoff_max_s(k) * 1000);
    }
    ideal = ideal_s(busy, o->n, workers(o));
    free(busy);
    return ideal;
}

static void tried_as_allowed(const struct obs *o, struct verdict *v)
{
    for (int id = 1; id <= o->n; id++) {
        const char *what;
        int due = attempts_due(o, id, &what), got = o->fetched[id];

        if (got == due)
            continue;
        if (got == 0)
            fail(v, "id %d was never requested: every request is made", id);
        else if (!what)
            fail(v,
                 "id %d was answered with its own page at once, yet requested %d times: a "
                 "success is final",
                 id, got);
        else if (due == 1)
            fail(v,
                 "id %d got %s and was requested %d times: a wrong page would come again, it is "
                 "not worth a retry (only a 5xx, a dropped or cut transfer and a timeout are)",
                 id, what, got);
        else if (got < due)
            fail(v,
                 "id %d got %s at every attempt but was tried only %d times: --retries %d allows "
                 "%d attempts for it (is the retry count per request? is this failure retried? "
                 "does a "
                 "deadline for the whole job stop it?)",
                 id, what, got, o->job->retries, due);
        else
            fail(v, "id %d got %s and was tried %d times: --retries %d allows at most %d", id, what,
                 got, o->job->retries, due);
    }
}

void judge_retries(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    double ideal;

    (void)jd;
    if (!ran(o, v))
        return;
    tried_as_allowed(o, v);
    backoffs_waited(o, v);
    rows_in_place(o, v);
    for (int id = 1; id <= o->n; id++) {
        const struct judged_row *r = &o->rows[id - 1];
        const char *what;

        attempts_due(o, id, &what);
        if (what && row_ok(r))
            fail(v, "the row of id %d says success, but the server gave it %s every time", id,
                 what);
        else if (!what && !row_ok(r))
            fail(v, "id %d was answered with its own page, but its row says \"%s\"", id, r->error);
        else if (in_list(o->job->fail_ids, id) && r->status != 500)
            fail(v,
                 "the server answered id %d with HTTP 500 (every attempt), but its row says "
                 "status %d: the row holds what the last attempt got",
                 id, r->status);
    }
    fetched_beyond(o, v);
    ideal = faults_ideal_s(o);
    if (o->wall_s > 1.5 * ideal + JUDGE_SLACK_S + 0.5)
        fail(v,
             "took %.2f s; with these failures, timeouts and backoffs a pool that keeps every "
             "worker busy takes about %.2f s: does one request's retry or backoff hold up the "
             "others?",
             o->wall_s, ideal);
}

/* ---- no_idle: the server's own timeline, a worker never idle while work waits ---- */

static int tick_cmp(const void *a, const void *b)
{
    double x = ((const struct tick *)a)->t, y = ((const struct tick *)b)->t;

    return (x > y) - (x < y);
}

/* The changes at each instant: a request starts (a first attempt takes
 * one from the pending), ends, or waits out a backoff until its next: at
 * most its backoff's top (backoff_max_s), after which the retry is due and
 * waits to start like any pending request. */
static int timeline(const struct obs *o, struct tick *t)
{
    int nt = 0;

    for (int k = 0; k < o->nlog; k++) {
        const struct srv_rec *r = &o->log[k];
        double end = r->end_s > 0 ? r->end_s : o->t_end;

        t[nt++] = (struct tick){r->start_s, 1, r->attempt == 1 ? -1 : 0, 0};
        t[nt++] = (struct tick){end, -1, 0, 0};
        for (int q = k + 1; q < o->nlog; q++) { /* its next attempt: a backoff between */
            double next = o->log[q].start_s, due = end + backoff_max_s(r->attempt);

            if (o->log[q].id != r->id || o->log[q].attempt != r->attempt + 1)
                continue;
            t[nt++] = (struct tick){end, 0, 0, 1};
            t[nt++] = (struct tick){next < due ? next : due, 0, 0, -1};
            if (next > due) { /* due, and not started: waiting like the pending */
                t[nt++] = (struct tick){due, 0, 1, 0};
                t[nt++] = (struct tick){next, 0, -1, 0};
            }
            break;
        }
    }
    return nt;
}

/* Worker-seconds of w left idle while a request waited to start, over the
 * changes t[0..nt) (sorted here), pending at first; a worker in a retry's
 * backoff counts as busy. *longest: the longest such stretch, *at when it
 * began (from t[0]). */
double idle_over(struct tick *t, int nt, int w, int pending, double *longest, double *at)
{
    int inflight = 0, backoff = 0;
    double idle = 0, since = -1;

    *longest = 0;
    qsort(t, (size_t)nt, sizeof *t, tick_cmp);
    for (int k = 0; k < nt; k++) {
        double dt = k + 1 < nt ? t[k + 1].t - t[k].t : 0;
        int room, deficit;

        inflight += t[k].inflight;
        pending += t[k].pending;
        backoff += t[k].backoff;
        room = w - backoff < inflight + pending ? w - backoff : inflight + pending;
        deficit = room > inflight ? room - inflight : 0;
        idle += deficit * dt;
        if (deficit && since < 0)
            since = t[k].t;
        if (!deficit && since >= 0) {
            if (t[k].t - since > *longest) {
                *longest = t[k].t - since;
                *at = since - t[0].t;
            }
            since = -1;
        }
    }
    return idle;
}

/* The classic job's idle worker-seconds: every request waits from the
 * start; a retry from when it is due. */
static double idle_while_waiting(const struct obs *o, int w, double *longest, double *at)
{
    struct tick *t = malloc(sizeof *t * (size_t)(6 * o->nlog + 1));
    double idle;

    *longest = 0;
    if (!t)
        return 0;
    idle = idle_over(t, timeline(o, t), w, o->n, longest, at);
    free(t);
    return idle;
}

void judge_no_idle(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    int w = workers(o);
    double longest = 0, at = 0, idle, span;

    (void)jd;
    if (!ran(o, v))
        return;
    if (!o->log_ok) {
        fail(v, "the judge could not read its server's timeline (not your fault: tell your "
                "teacher)");
        return;
    }
    if (o->nlog == 0 || w == 0)
        return; /* nothing fetched: results and parallel say so */
    span = server_span(o);
    idle = idle_while_waiting(o, w, &longest, &at) / w;
    if (idle > 0.1 + 0.05 * span) /* correct pools: ~0.01 s; 20 times that, under load */
        fail(v,
             "the server saw workers sit idle while requests were still waiting to start: %.2f s "
             "of %d workers' time in a run of %.2f s (the longest stretch %.2f s, %.2f s in): "
             "a worker that is free takes the next request at once, whatever the others do",
             idle * w, w, span, longest, at);
}
