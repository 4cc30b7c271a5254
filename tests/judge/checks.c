/* SPDX-License-Identifier: MIT */
/* checks.c -- each check's judgement of one observed job. A check fails
 * with one line that says what went wrong and what to look at. Time is
 * judged only with generous upper bounds; concurrency and counts exactly,
 * from the server's own counters. */
#include "judge.h"

#include "delay_plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLACK_S        1.0  /* added to every time bound: a loaded 2-core machine */
#define CPU_BASE_S     0.25 /* CPU a waiting job may use: start-up, libcurl, the sandbox */
#define CPU_PER_REQ_S  0.004
#define CPU_SLACK_S    0.05 /* beside 3 times the reference: /proc counts in 10 ms ticks */
#define HELPER_THREADS 2    /* threads a pool may start beside its W workers (a logger, say) */
#define CALLER_KID_S   4    /* the caller's own child lives this long (hooks.c) */
#define UNEVEN_SEEDS   1000 /* seeds tried for the uneven job */

static void fail(struct verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct verdict *v, const char *fmt, ...)
{
    va_list ap;

    if (!v->pass)
        return; /* the first reason is the one shown */
    v->pass = 0;
    va_start(ap, fmt);
    vsnprintf(v->why, sizeof v->why, fmt, ap);
    va_end(ap);
}

static double delay_s(const struct obs *o)
{
    return (double)o->job->delay_min / 1000.0;
}

static int workers(const struct obs *o)
{
    return o->w == 0 || o->w > o->n ? o->n : o->w;
}

/* Did the job run to its end? If not, fail with what the judge saw. */
static int ran(const struct obs *o, struct verdict *v)
{
    if (o->broken[0])
        fail(v, "the judge could not run this job (not your fault: tell your teacher): %s",
             o->broken);
    else if (o->not_run[0])
        fail(v, "not run: %s", o->not_run);
    else if (o->runaway)
        fail(v,
             "the judge stopped a runaway: %d threads and processes alive, burning CPU; a loop "
             "that calls fork() or pthread_create() again when it fails?",
             o->runaway);
    else if (!o->ready && o->timed_out)
        fail(v, "the program did not reach crawl_run within the time limit");
    else if (!o->ready)
        fail(v,
             "the program ended before crawl_run was called (exit status %d): code that runs "
             "before main, or a crash at start",
             o->exit_code);
    else if (o->timed_out && still_working(o))
        fail(v,
             "crawl_run did not finish within the time limit, though the server was answering "
             "its pages to the end: too slow for this job (at most %ld in flight at once)",
             o->peak);
    else if (o->timed_out)
        fail(v, "crawl_run did not return within the time limit: a hang, a deadlock, or a worker "
                "that waits for work that never comes");
    else if (!o->ended && o->exit_code > 128)
        fail(v, "the program crashed inside crawl_run (signal %d)", o->exit_code - 128);
    else if (!o->ended)
        fail(v,
             "the program exited inside crawl_run (status %d): a worker process must _exit, "
             "the parent must return",
             o->exit_code);
    else if (late_requests(o))
        fail(v,
             "the server saw %ld requests begin after crawl_run returned: every transfer must be "
             "done before crawl_run returns",
             late_requests(o));
    else if (o->bad_rows)
        fail(v, "the report of the rows was garbled (%d bad lines)", o->bad_rows);
    else if (!o->server_ok && !o->job->refused)
        fail(v, "the judge could not read its server's counters (not your fault: tell your "
                "teacher)");
    return v->pass;
}

static int row_ok(const struct row *r)
{
    return r->seen && r->status == 200 && r->error[0] == '\0';
}

/* res[id - 1] holds the row of another id (a row is filled in with its id). */
static int misplaced(const struct row *r, int id)
{
    return r->seen && r->id != id && strcmp(r->error, "not run") != 0;
}

int in_list(const char *list, int id)
{
    char want[16];
    size_t len = (size_t)snprintf(want, sizeof want, "%d", id);

    for (const char *p = list; (p = strstr(p, want)) != NULL; p += len)
        if ((p == list || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
            return 1;
    return 0;
}

static void fetched_beyond(const struct obs *o, struct verdict *v)
{
    if (o->fetched_max > o->n || o->fetched_other)
        fail(v, "the server saw requests for ids beyond N = %d (up to id %ld)", o->n,
             o->fetched_max);
}

/* Every id fetched exactly once by the server's count, none beyond N. */
static void fetched_once(const struct obs *o, struct verdict *v, const char *twice_hint)
{
    int missing = 0, first_missing = 0;

    for (int id = 1; id <= o->n; id++) {
        if (o->fetched[id] == 0 && !missing++)
            first_missing = id;
        else if (o->fetched[id] > 1)
            fail(v, "id %d was fetched %d times (the server counted every request): %s", id,
                 o->fetched[id], twice_hint);
    }
    if (missing && o->calls[CALL_THREADS] > o->calls[CALL_STARTED])
        fail(v,
             "ids never fetched: %d, the first is id %d; pthread_create failed %ld times of %ld "
             "(the grader allows 256 threads, as a process limit would): is a failed "
             "pthread_create handled?",
             missing, first_missing, o->calls[CALL_THREADS] - o->calls[CALL_STARTED],
             o->calls[CALL_THREADS]);
    else if (missing && first_missing == o->n - missing + 1 && o->w > 0 && o->n % o->w)
        fail(v,
             "ids %d..%d, the last ones, were never fetched: N = %d is not a multiple of W = %d; "
             "check how the work is split",
             first_missing, o->n, o->n, o->w);
    else if (missing)
        fail(v, "ids never fetched: %d, the first is id %d (the server saw no request for it)",
             missing, first_missing);
    fetched_beyond(o, v);
}

int still_working(const struct obs *o)
{
    for (int k = 0; o->timed_out && o->log_ok && k < o->nlog; k++) {
        if (o->log[k].end == 'a' && o->log[k].end_s > o->t_stopped - 1.0)
            return 1;
    }
    return 0;
}

/* Every row in its own slot: res[i] holds id i + 1. */
static void rows_in_place(const struct obs *o, struct verdict *v)
{
    for (int id = 1; id <= o->n; id++)
        if (misplaced(&o->rows[id - 1], id))
            fail(v,
                 "res[%d] holds the row of id %d: the result of request i (id i + 1) belongs in "
                 "res[i], whatever order the answers come in",
                 id - 1, o->rows[id - 1].id);
}

/* Rows of ids that should succeed: each a success, in its own slot. */
static void rows_ok(const struct obs *o, struct verdict *v, const char *fail_ids,
                    const char *wrong_ids)
{
    rows_in_place(o, v);
    for (int id = 1; id <= o->n; id++) {
        const struct row *r = &o->rows[id - 1];

        if (in_list(fail_ids, id) || in_list(wrong_ids, id) || row_ok(r))
            continue;
        if (strcmp(r->error, "not run") == 0)
            fail(v,
                 "the row of id %d was never filled (it still says \"not run\"): the result "
                 "of request i belongs in res[i], in the parent's array",
                 id);
        else
            fail(v, "the row of id %d is a failure: \"%s\"", id, r->error);
    }
}

void judge_results(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    (void)jd;
    if (!ran(o, v))
        return;
    fetched_once(o, v, "two workers claimed the same request");
    rows_ok(o, v, "", "");
}

/* Who fetched, by the server's SO_PEERCRED of each connection: how many
 * distinct processes, and whether the graded process itself was one. */
struct fetchers {
    int known;    /* the timeline had pids to look at */
    int distinct; /* processes that fetched, the graded one included */
    int by_driver;
    pid_t other; /* one process that was not the graded one */
};

static struct fetchers who_fetched(const struct obs *o)
{
    struct fetchers f = {0};
    pid_t seen[512];
    int nseen = 0;

    for (int k = 0; o->log_ok && k < o->nlog; k++) {
        pid_t pid = o->log[k].pid;
        int known = 0;

        if (pid <= 0)
            continue;
        f.known = 1;
        if (pid == o->driver)
            f.by_driver++;
        else
            f.other = pid;
        for (int q = 0; q < nseen && !known; q++)
            known = seen[q] == pid;
        if (!known && nseen < 512)
            seen[nseen++] = pid;
    }
    f.distinct = nseen;
    return f;
}

/* The model's own means of concurrency, seen from outside: which processes
 * the server saw connect, and how many threads /proc showed alive. */
static void own_mechanism(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    const struct model_spec *m = jd->model;
    struct fetchers f = who_fetched(o);
    int want = m->event_loop ? (o->procs < o->n ? o->procs : o->n) : workers(o);
    int threads = o->threads_peak - o->tasks_before;

    if (!f.known || o->driver <= 0)
        return; /* no pids (no sandbox's unix socket): nothing seen to judge by */
    if (!m->forks && f.other)
        fail(v,
             "the server saw pages fetched by process %d, not by the graded process: the %s "
             "model's workers are %s, not processes (fork)",
             (int)f.other, m->name, m->threads ? "threads" : "transfers in one event loop");
    else if (m->forks && f.by_driver)
        fail(v,
             "the parent process fetched %d pages itself: in the %s model the parent forks the "
             "workers, collects their results and fetches nothing",
             f.by_driver, m->name);
    else if (m->forks && f.distinct != want)
        fail(v, "the server saw %d processes fetch pages where the %s model runs %d: %s",
             f.distinct, m->name, want,
             m->event_loop ? "P processes, each with its own event loop"
                           : "a pool of W worker processes, each taking requests until none "
                             "is left");
    else if (m->threads && o->thread_samples && threads < want)
        fail(v,
             "at most %d threads were seen alive beside the main one (sampled from /proc while "
             "crawl_run ran) for %d workers: a pool of W threads, all running at once",
             threads, want);
    else if (m->event_loop && !m->forks && threads > 1)
        fail(v,
             "%d threads were seen alive beside the main one while crawl_run ran: the %s model is "
             "one event loop on one thread",
             threads, m->name);
}

void judge_parallel(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    int w = workers(o);
    double ideal =
        o->plan_ok ? greedy_s(o->delays_ms, o->n, w) : (double)((o->n + w - 1) / w) * delay_s(o);

    if (!ran(o, v))
        return;
    if (o->peak < w)
        fail(v, "the server counted at most %ld in flight at once with %d workers: %s", o->peak,
             o->w,
             o->peak == 0   ? "the server saw no page requested at all"
             : o->peak == 1 ? "they ran one at a time (does a worker wait for the previous one?)"
                            : "some workers never got work, or waited for each other");
    else if (o->wall_s > 2 * ideal + SLACK_S)
        fail(v, "took %.2f s; the ideal is %.2f s", o->wall_s, ideal);
    else
        own_mechanism(jd, o, v);
}

void judge_limit(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    const struct model_spec *m = jd->model;
    int most = m->pool ? (o->w == 0 ? o->n : o->w) : 1;

    if (!ran(o, v))
        return;
    struct fetchers f = who_fetched(o);

    if (o->peak > most)
        fail(v, "%ld requests were in flight at once; the limit is %d (-w %d)", o->peak, most,
             o->w);
    else if (m->forks && !m->event_loop && f.distinct > most)
        fail(v,
             "the server saw %d processes fetch pages for %d workers: a pool of W processes, "
             "not one per request",
             f.distinct, most);
    else if (o->procs && f.distinct > o->procs)
        fail(v, "the server saw %d processes fetch pages for -p %d", f.distinct, o->procs);
    else if (m->threads && o->threads_peak - o->tasks_before > most + HELPER_THREADS)
        fail(v,
             "%d threads were seen alive at once (from /proc) for %d workers: a pool of W "
             "threads, not one per request",
             o->threads_peak - o->tasks_before, most);
    else if (m->threads && o->calls[CALL_THREADS] > most + HELPER_THREADS)
        fail(v, "%ld threads were started for %d workers: a pool of W threads, not one per request",
             o->calls[CALL_THREADS], most);
    else if (o->procs && o->calls[CALL_FORKS] > o->procs)
        fail(v, "%ld processes were forked for -p %d", o->calls[CALL_FORKS], o->procs);
    else if (m->forks && !m->event_loop && o->calls[CALL_FORKS] > most)
        fail(v,
             "%ld processes were forked for %d workers: a pool of W processes, not one per "
             "request",
             o->calls[CALL_FORKS], most);
    else if (!m->threads && !m->forks && (o->calls[CALL_THREADS] || o->calls[CALL_FORKS]))
        fail(v, "the %s model started threads (%ld) or processes (%ld): it runs on one thread",
             m->name, o->calls[CALL_THREADS], o->calls[CALL_FORKS]);
}

void judge_unlimited(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    (void)jd;
    if (!ran(o, v))
        return;
    if (o->peak < o->n)
        fail(v, "with -w 0 at most %ld of %d requests were in flight at once: 0 means no limit",
             o->peak, o->n);
    else if (o->wall_s > 3 * delay_s(o) + SLACK_S)
        fail(v, "took %.2f s; every request at once takes about %.2f s", o->wall_s, delay_s(o));
}

/* A pool of w that hands out the next request as soon as a worker is free. */
double greedy_s(const long *delays_ms, int n, int w)
{
    double free_at[128] = {0}, end = 0;

    w = w > 128 ? 128 : w < 1 ? 1 : w;
    for (int i = 0; i < n; i++) {
        int k = 0;

        for (int q = 1; q < w; q++)
            if (free_at[q] < free_at[k])
                k = q;
        free_at[k] += (double)delays_ms[i] / 1000.0;
        end = free_at[k] > end ? free_at[k] : end;
    }
    return end;
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
        t = greedy_s(mine, count, w / procs > 0 ? w / procs : 1);
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
        gap = fixed_schedule_s(delays, n, w, procs, &name) - greedy_s(delays, n, w);
        if (gap > best_gap) {
            best_gap = gap;
            best_seed = seed;
        }
    }
    return best_seed;
}

/* From the first page asked to the last one answered, by the server's
 * clock (the program's start-up is not the schedule's); else the wall. */
static double server_span(const struct obs *o)
{
    double first = 0, last = 0;

    for (int k = 0; o->log_ok && k < o->nlog; k++) {
        if (!first || o->log[k].start_s < first)
            first = o->log[k].start_s;
        if (o->log[k].end_s > last)
            last = o->log[k].end_s;
    }
    return first && last > first ? last - first : o->wall_s;
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
    greedy = greedy_s(o->delays_ms, o->n, workers(o));
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

void judge_http_errors(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    const char *ids = o->job->fail_ids;

    (void)jd;
    if (!ran(o, v))
        return;
    rows_in_place(o, v);
    for (int id = 1; id <= o->n; id++) {
        if (!in_list(ids, id))
            continue;
        if (row_ok(&o->rows[id - 1]))
            fail(v, "id %d was answered HTTP 500, but its row says success", id);
        else if (o->fetched[id] == 0)
            fail(v,
                 "id %d was never requested (its row says \"%s\"): every request is made, "
                 "whatever happened to the others",
                 id, o->rows[id - 1].error);
        else if (o->fetched[id] != 1)
            fail(v,
                 "id %d was requested %d times: an HTTP 500 is a failed row, not a reason to "
                 "ask again",
                 id, o->fetched[id]);
    }
    rows_ok(o, v, ids, o->job->wrong_ids);
    fetched_once(o, v, "two workers claimed the same request");
}

void judge_wrong_body(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    (void)jd;
    if (!ran(o, v))
        return;
    rows_in_place(o, v);
    for (int id = 1; id <= o->n; id++)
        if (in_list(o->job->wrong_ids, id) && row_ok(&o->rows[id - 1]))
            fail(v,
                 "id %d was answered with the page of another id, but its row says success: "
                 "a success is a 200 whose body names the id asked for",
                 id);
    rows_ok(o, v, o->job->fail_ids, o->job->wrong_ids);
}

/* Every row a failure, and filled in: "not run" is a result never sent home. */
static void all_failed(const struct obs *o, struct verdict *v, const char *situation)
{
    for (int id = 1; id <= o->n; id++) {
        const struct row *r = &o->rows[id - 1];

        if (misplaced(r, id))
            fail(v, "res[%d] holds the row of id %d: the result of request i belongs in res[i]",
                 id - 1, r->id);
        else if (row_ok(r))
            fail(v, "the row of id %d says success %s", id, situation);
        else if (strcmp(r->error, "not run") == 0)
            fail(v,
                 "the row of id %d was never filled (it still says \"not run\"): a failed "
                 "request is a result too, and belongs in res[i] in the parent's array",
                 id);
    }
}

void judge_refused(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    (void)jd;
    if (!ran(o, v))
        return;
    all_failed(o, v, "although nothing was listening");
    if (o->wall_s > 2 * SLACK_S + 3)
        fail(v, "took %.1f s with nothing listening: a refused connection fails at once",
             o->wall_s);
}

/* How long the client let each stalled attempt wait, by the server's
 * clock: from its head to the client's hang-up. */
static void stalls_given_up(const struct obs *o, struct verdict *v)
{
    double limit = (double)o->job->timeout_ms / 1000.0;

    for (int k = 0; k < o->nlog; k++) {
        const struct srv_rec *r = &o->log[k];
        double waited = r->end_s - r->start_s;

        if (!in_list(o->job->stall_ids, r->id))
            continue;
        if (r->end == 'a')
            fail(v,
                 "id %d waited for its page until the server answered after %.1f s: with "
                 "--timeout-ms %ld the transfer gives up after %.2f s (CURLOPT_TIMEOUT_MS on "
                 "every transfer)",
                 r->id, waited, o->job->timeout_ms, limit);
        else if (waited > limit * 1.25 + 0.3) /* correct: within ~0.05 s; loaded: 0.3 */
            fail(v,
                 "id %d was given up only %.2f s after it was asked (--timeout-ms %ld), while "
                 "other transfers went on: the timeout is each transfer's own, not a timer of the "
                 "whole loop that restarts whenever something happens",
                 r->id, waited, o->job->timeout_ms);
        else if (waited < limit * 0.8 - 0.05)
            fail(v, "id %d was given up after %.2f s, before its --timeout-ms %ld", r->id, waited,
                 o->job->timeout_ms);
    }
}

void judge_timeout(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    (void)jd;
    if (!ran(o, v))
        return;
    rows_in_place(o, v);
    for (int id = 1; id <= o->n; id++) {
        const struct row *r = &o->rows[id - 1];
        int stalled = in_list(o->job->stall_ids, id);

        if (stalled && row_ok(r))
            fail(v,
                 "the row of id %d says success, but its page never came within --timeout-ms "
                 "%ld: a transfer slower than the timeout fails",
                 id, o->job->timeout_ms);
        else if (!stalled && !row_ok(r))
            fail(v,
                 "id %d was answered within %ld ms, well inside --timeout-ms %ld, but its row "
                 "says \"%s\": the timeout is per request, not one deadline for the whole job",
                 id, o->plan_ok ? o->delays_ms[id - 1] : o->job->delay_max, o->job->timeout_ms,
                 r->error);
        else if (o->fetched[id] != 1)
            fail(v,
                 "id %d was requested %d times: a request that timed out is a failed row (only "
                 "--retries asks again, and this job has none)",
                 id, o->fetched[id]);
    }
    if (!o->log_ok)
        fail(v, "the judge could not read its server's timeline (not your fault: tell your "
                "teacher)");
    stalls_given_up(o, v);
}

void judge_empty(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    (void)jd;
    if (!ran(o, v))
        return;
    if (o->requests || o->fetched_max)
        fail(v, "with N = 0 the server still saw requests (up to id %ld)", o->fetched_max);
    else if (o->crawl_rc != 0)
        fail(v, "crawl_run returned %d for zero requests: nothing to do is a success", o->crawl_rc);
}

void judge_single(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    (void)jd;
    if (!ran(o, v))
        return;
    fetched_once(o, v, "one request, one fetch");
    rows_ok(o, v, "", "");
}

void judge_one_worker(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    (void)jd;
    if (!ran(o, v))
        return;
    fetched_once(o, v, "one worker fetches each request once");
    rows_ok(o, v, "", ""); /* more than one in flight here is the limit check's to judge */
}

void judge_more_workers(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    if (!ran(o, v))
        return;
    fetched_once(o, v, "workers beyond N must find no work, not repeat some");
    rows_ok(o, v, "", "");
    if (jd->model->pool && o->peak < o->n)
        fail(v,
             "only %ld of the %d requests were in flight at once with more workers than "
             "requests",
             o->peak, o->n);
}

/* Hygiene: a job that did not end could not be looked at, which fails too. */
static int ended(const struct obs *o, struct verdict *v)
{
    if (o->broken[0] || !o->ended)
        fail(v, "could not be checked: the job did not finish (see results)");
    return v->pass;
}

void judge_threads_joined(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    long unjoined = o->calls[CALL_STARTED] - o->calls[CALL_JOINS] - o->calls[CALL_DETACHED];

    (void)jd;
    if (!ended(o, v))
        return;
    if (o->tasks_after > o->tasks_before)
        fail(v, "threads still running after crawl_run returned: %d; join every thread you start",
             o->tasks_after - o->tasks_before);
    else if (o->calls_seen && unjoined > 0)
        fail(v,
             "threads started and never joined: %ld (they ended, but each keeps its stack "
             "until pthread_join); join every thread you start",
             unjoined);
}

void judge_children_reaped(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    (void)jd;
    if (!ended(o, v))
        return;
    if (o->zombies_left)
        fail(v,
             "children never waited for (zombies after crawl_run returned): %d; waitpid every "
             "child you fork",
             o->zombies_left);
    else if (o->procs_left)
        fail(v,
             "processes still running after crawl_run returned: %d; every worker must end, and "
             "be waited for, before crawl_run returns",
             o->procs_left);
}

void judge_fds_closed(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    char list[200] = "";
    size_t len = 0;
    int extra = 0;

    (void)jd;
    if (!ended(o, v))
        return;
    for (int k = 0; k < o->nfds_after && k < JUDGE_MAX_FDS; k++) {
        int known = 0;

        for (int q = 0; q < o->nfds_before && q < JUDGE_MAX_FDS && !known; q++)
            known = o->fds_after[k] == o->fds_before[q];
        if (known)
            continue;
        if (extra++ < 8 && len < sizeof list - 16)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%d", len ? ", " : "",
                                    o->fds_after[k]);
    }
    if (extra)
        fail(v,
             "descriptors open after crawl_run returned that were not open before: %s%s; close "
             "every pipe end and socket",
             list, extra > 8 ? ", ..." : "");
    for (int q = 0; q < o->nfds_before && q < JUDGE_MAX_FDS; q++) {
        int kept = 0;

        for (int k = 0; k < o->nfds_after && k < JUDGE_MAX_FDS && !kept; k++)
            kept = o->fds_after[k] == o->fds_before[q];
        if (!kept)
            fail(v,
                 "descriptor %d was open before crawl_run and closed after it: close only what "
                 "you opened (a pipe end left 0 in an array closes stdin)",
                 o->fds_before[q]);
    }
}

void judge_easy_handles(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    (void)jd;
    if (!ended(o, v))
        return;
    if (!o->calls_seen)
        fail(v, "the counts of easy handles were not reported");
    else if (o->calls[CALL_EASY_INITS] != o->calls[CALL_EASY_CLEANUPS])
        fail(v,
             "%ld easy handles were made and %ld cleaned up: curl_easy_cleanup every handle, "
             "on every path (failures too)",
             o->calls[CALL_EASY_INITS], o->calls[CALL_EASY_CLEANUPS]);
}

/* Against the suite's own model on the same job in the same grading:
 * CPU time (from /proc, in 10 ms ticks) and wake-ups of the graded
 * process's threads. A loop that polls with a short sleep costs little
 * CPU but wakes up hundreds of times a second. */
static void cpu_against_reference(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    const struct obs *ref = o->ref;
    double cpu_bound = 3 * ref->cpu_s + CPU_SLACK_S + 0.002 * o->n;
    long wake_bound = 4 * ref->wakeups + 30 + 2L * o->n;

    if (o->cpu_s > cpu_bound)
        fail(v,
             "used %.2f s of CPU where the suite's own %s model used %.2f s on the same job: a "
             "loop that polls without sleeping burns a core; wait in curl_multi_poll, poll or a "
             "blocking call",
             o->cpu_s, jd->model->name, ref->cpu_s);
    else if (o->wakeups > wake_bound)
        fail(v,
             "its threads woke up %ld times in %.2f s where the suite's own %s model's woke up "
             "%ld times on the same job: a loop that polls with a short sleep wakes up hundreds "
             "of times a second; wait in curl_multi_poll, poll or a blocking call, which wakes "
             "when there is something to do",
             o->wakeups, o->wall_s, jd->model->name, ref->wakeups);
}

/* A yardstick only if it did the job: the server saw every id asked for
 * (a skeleton built as the reference does nothing, costs nothing). */
static int reference_did_job(const struct obs *ref)
{
    return ref && ref->ended && ref->server_ok && ref->requests >= ref->n;
}

void judge_cpu(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    double budget = CPU_BASE_S + CPU_PER_REQ_S * o->n;

    if (!ended(o, v))
        return;
    if (reference_did_job(o->ref)) {
        cpu_against_reference(jd, o, v);
        return;
    }
    if (o->cpu_s > budget)
        fail(v,
             "used %.2f s of CPU in %.2f s of a job that only waits (budget %.2f s): a loop "
             "that polls without sleeping burns a core; wait in curl_multi_poll, poll or a "
             "blocking call",
             o->cpu_s, o->wall_s, budget);
}

void judge_exclusion(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    (void)jd;
    if (!ran(o, v))
        return;
    if (o->calls[CALL_PRIVATE])
        fail(v, "a worker process took a lock in its own private memory (a global, the heap or "
                "the stack): after fork every process has its own copy, which excludes nobody; "
                "put the lock in memory shared with mmap(MAP_SHARED), made PTHREAD_PROCESS_SHARED");
    else
        fetched_once(o, v, "two processes claimed the same request: the claim is not exclusive");
}

void judge_sanitizer(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    (void)jd;
    if (o->sanitizer[0])
        fail(v, "%s", o->sanitizer);
    else if (o->exit_code == 66)
        fail(v, "the sanitizer reported an error (its log was removed)");
    else if (o->ended && o->exit_code == -1 && !o->timed_out)
        fail(v, "the program did not exit after crawl_run returned (an exit handler that never "
                "returns?): the sanitizer's checks at exit could not run");
    else if (o->calls_seen && o->calls[CALL_SANITIZER] > 0)
        fail(v,
             "reports the sanitizer made while the program ran: %ld, and their log was gone "
             "when it had exited: fix what they report, and leave the sanitizer's files alone",
             o->calls[CALL_SANITIZER]);
    else
        ran(o, v);
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

/* The backoff fetch.c may sleep before attempt k + 1, at most. */
static double backoff_max_s(int k)
{
    double wait = 0.050;

    for (int q = 1; q < k && wait < 1.0; q++)
        wait *= 2;
    return wait > 1.0 ? 1.0 : wait;
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
    ideal = greedy_s(busy, o->n, workers(o));
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
                 "%d attempts for it (is the retry count per request? is this failure retried?)",
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
    rows_in_place(o, v);
    for (int id = 1; id <= o->n; id++) {
        const struct row *r = &o->rows[id - 1];
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
    if (o->wall_s > 1.5 * ideal + SLACK_S + 0.5)
        fail(v,
             "took %.2f s; with these failures, timeouts and backoffs a pool that keeps every "
             "worker busy takes about %.2f s: does one request's retry or backoff hold up the "
             "others?",
             o->wall_s, ideal);
}

/* ---- no_idle: the server's own timeline, a worker never idle while work waits ---- */

struct tick {
    double t;
    int inflight, pending, backoff; /* changes at t */
};

static int tick_cmp(const void *a, const void *b)
{
    double x = ((const struct tick *)a)->t, y = ((const struct tick *)b)->t;

    return (x > y) - (x < y);
}

/* The changes at each instant: a request starts (a first attempt takes
 * one from the pending), ends, or waits out a backoff until its next. */
static int timeline(const struct obs *o, struct tick *t)
{
    int nt = 0;

    for (int k = 0; k < o->nlog; k++) {
        const struct srv_rec *r = &o->log[k];
        double end = r->end_s > 0 ? r->end_s : o->t_end;

        t[nt++] = (struct tick){r->start_s, 1, r->attempt == 1 ? -1 : 0, 0};
        t[nt++] = (struct tick){end, -1, 0, 0};
        for (int q = k + 1; q < o->nlog; q++) { /* its next attempt: a backoff between */
            if (o->log[q].id == r->id && o->log[q].attempt == r->attempt + 1) {
                t[nt++] = (struct tick){end, 0, 0, 1};
                t[nt++] = (struct tick){o->log[q].start_s, 0, 0, -1};
                break;
            }
        }
    }
    qsort(t, (size_t)nt, sizeof *t, tick_cmp);
    return nt;
}

/* Worker-seconds left idle while a request waited to start (a worker in
 * a retry's backoff counts as busy); *longest: the longest such stretch. */
static double idle_while_waiting(const struct obs *o, int w, double *longest, double *at)
{
    struct tick *t = malloc(sizeof *t * (size_t)(4 * o->nlog + 1));
    int nt, inflight = 0, pending = o->n, backoff = 0;
    double idle = 0, since = -1;

    *longest = 0;
    if (!t)
        return 0;
    nt = timeline(o, t);
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

/* ---- second_run: crawl_run called twice in one process ---- */

void judge_second_run(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    (void)jd;
    if (!ran(o, v))
        return;
    for (int id = 1; id <= o->n; id++) {
        if (o->fetched[id] < 2)
            fail(v,
                 "crawl_run was called twice in one process, and id %d was fetched %d time%s in "
                 "all: the second call did not do the work again. State left from the first call "
                 "(a static index or counter never reset, a flag that says \"done\")?",
                 id, o->fetched[id], o->fetched[id] == 1 ? "" : "s");
        else if (o->fetched[id] > 2)
            fail(v, "crawl_run was called twice, and id %d was fetched %d times in all", id,
                 o->fetched[id]);
    }
    rows_ok(o, v, "", "");
    if (v->pass && o->first_bad > 0)
        fail(v, "the first of two calls of crawl_run left %d rows failed or misplaced",
             o->first_bad);
}

/* ---- caller_state: nothing of the caller's is touched ---- */

static const char *const SIG_FIELD[3] = {"blocked", "ignored", "caught (a handler)"};

/* The first signal whose bit differs in two /proc hex masks; 0 if none.
 * Only the classic signals: from 32 on, the C library's threads install
 * handlers of their own (SIGCANCEL, SIGSETXID) when they first start. */
static int first_changed(const char *a, const char *b)
{
    unsigned long long x = strtoull(a, NULL, 16), y = strtoull(b, NULL, 16);

    for (int sig = 1; sig < 32; sig++)
        if (((x ^ y) >> (sig - 1)) & 1)
            return sig;
    return 0;
}

void judge_caller_state(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    (void)jd;
    if (!ended(o, v))
        return;
    for (int k = 0; k < 3; k++) {
        int sig = first_changed(o->sig_before[k], o->sig_after[k]);

        if (sig)
            fail(v,
                 "signal %d (%s) was %s%s before crawl_run and %s%s after it: leave the "
                 "caller's signal handling as it was (restore a handler, a SIG_IGN or a mask "
                 "you change)",
                 sig, strsignal(sig),
                 strtoull(o->sig_before[k], NULL, 16) >> (sig - 1) & 1 ? "" : "not ", SIG_FIELD[k],
                 strtoull(o->sig_after[k], NULL, 16) >> (sig - 1) & 1 ? "" : "not ", SIG_FIELD[k]);
    }
    if (o->job->env && strstr(o->job->env, "CALLER") && o->nkids_before == 0)
        fail(v, "the judge's own child of the caller was not there (not your fault: tell your "
                "teacher)");
    else if (o->kids_kept < o->nkids_before)
        fail(v,
             "the caller had children of its own before crawl_run (one already ended, waiting for "
             "its parent), and one was gone (reaped) when "
             "crawl_run returned: wait(NULL) or waitpid(-1, ...) takes any child; wait for the "
             "ones you forked, each by its pid");
    else if (o->nkids_before > 0 && o->kids_dead >= o->nkids_before &&
             o->t_end - o->t0 < CALLER_KID_S - 0.5)
        fail(v,
             "the caller's own child, which lives %d s, was dead when crawl_run returned after "
             "%.1f s: kill() only the pids you forked (not 0 or -1, not the process group)",
             CALLER_KID_S, o->t_end - o->t0);
}
