/* SPDX-License-Identifier: MIT */
/* checks.c -- each check's judgement of one observed job: what several
 * share (did the job run, are the rows right), and the checks of results,
 * parallelism and limits, failures (HTTP errors, wrong pages, refused,
 * timeouts), the small shapes, exclusion and a second run. A check fails
 * with one line that says what went wrong and what to look at. Time is
 * judged only with generous upper bounds; concurrency and counts exactly,
 * from the server's own counters. The schedule's checks are in
 * schedule.c, what crawl_run leaves behind in hygiene.c. */
#include "judge.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HELPER_THREADS 2 /* threads a pool may start beside its W workers (a logger, say) */

void fail(struct verdict *v, const char *fmt, ...)
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

int workers(const struct obs *o)
{
    return o->w == 0 || o->w > o->n ? o->n : o->w;
}

/* Did the job run to its end? If not, fail with what the judge saw. */
int ran(const struct obs *o, struct verdict *v)
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

int row_ok(const struct judged_row *r)
{
    return r->slot && r->status == 200 && r->error[0] == '\0';
}

/* res[id - 1] holds the row of another id (a row is filled in with its id). */
static int misplaced(const struct judged_row *r, int id)
{
    return r->slot && r->id != id && strcmp(r->error, "not run") != 0;
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

void fetched_beyond(const struct obs *o, struct verdict *v)
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
    if (missing && o->calls.threads_created > o->calls.threads_started)
        fail(v,
             "ids never fetched: %d, the first is id %d; pthread_create failed %ld times of %ld "
             "(the grader lets 256 threads and processes start in all, fewer in the "
             "spawn_fails job, as a process limit would): is a failed "
             "pthread_create handled?",
             missing, first_missing, o->calls.threads_created - o->calls.threads_started,
             o->calls.threads_created);
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
void rows_in_place(const struct obs *o, struct verdict *v)
{
    for (int id = 1; id <= o->n; id++)
        if (misplaced(&o->rows[id - 1], id))
            fail(v,
                 "res[%d] holds the row of id %d: the result of request i (id i + 1) belongs in "
                 "res[i], whatever order the answers come in",
                 id - 1, o->rows[id - 1].id);
}

/* Rows of ids that should succeed: each a success, in its own slot. */
void rows_ok(const struct obs *o, struct verdict *v, const char *fail_ids, const char *wrong_ids)
{
    rows_in_place(o, v);
    for (int id = 1; id <= o->n; id++) {
        const struct judged_row *r = &o->rows[id - 1];

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

/* A row that says success stands for a page the server really sent:
 * some request for its id was answered in full with 200 (by its /log).
 * A transfer cut short, or given up by the client, delivered no page. */
static void successes_answered(const struct obs *o, struct verdict *v)
{
    for (int id = 1; o->log_ok && id <= o->n && v->pass; id++) {
        int answered = 0, tries = 0;

        if (!row_ok(&o->rows[id - 1]))
            continue;
        for (int k = 0; k < o->nlog && !answered; k++) {
            tries += o->log[k].id == id;
            answered = o->log[k].id == id && o->log[k].end == 'a' && o->log[k].status == 200;
        }
        if (tries && !answered)
            fail(v,
                 "the row of id %d says success, but the server never sent its page in full "
                 "(every request for it was cut off or given up by the client): a row says "
                 "what really came back",
                 id);
    }
}

void judge_results(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    (void)jd;
    if (!ran(o, v))
        return;
    fetched_once(o, v, "two workers claimed the same request");
    rows_ok(o, v, "", "");
    successes_answered(o, v);
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

/* Which process did the work, by the server's SO_PEERCRED of each
 * connection (a fact, not a sample): another model's work in this one's
 * clothes (a parent that fetches beside idle children, a thread pool that
 * forks). The judge gives no point at all to a file that fails this. */
void judge_right_process(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    const struct model_spec *m = jd->model;
    struct fetchers f = who_fetched(o);

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
    else if (m->forks && m->event_loop && o->procs > 0 && f.distinct > o->procs)
        fail(v,
             "the server saw %d processes fetch pages for -p %d: in the %s model each of the P "
             "processes runs one event loop with its share of W transfers; a process per "
             "transfer is the multiprocess model",
             f.distinct, o->procs, m->name);
}

/* The model's own means of concurrency, seen from outside: which processes
 * the server saw connect, and how many threads /proc showed alive. */
static void own_mechanism(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    const struct model_spec *m = jd->model;
    struct fetchers f = who_fetched(o);
    int want = m->event_loop ? (o->procs < o->n ? o->procs : o->n) : workers(o);
    int threads = o->threads_peak - o->tasks_before;

    judge_right_process(jd, o, v);
    if (!v->pass || !f.known || o->driver <= 0)
        return;
    if (m->forks && f.distinct != want)
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
        o->plan_ok ? ideal_s(o->delays_ms, o->n, w) : (double)((o->n + w - 1) / w) * delay_s(o);

    if (!ran(o, v))
        return;
    if (o->peak < w)
        fail(v, "the server counted at most %ld in flight at once with %d workers: %s", o->peak,
             o->w,
             o->peak == 0   ? "the server saw no page requested at all"
             : o->peak == 1 ? "they ran one at a time (does a worker wait for the previous one?)"
                            : "some workers never got work, or waited for each other");
    else if (o->wall_s > 2 * ideal + JUDGE_SLACK_S)
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
    else if (m->threads && o->calls.threads_created > most + HELPER_THREADS)
        fail(v, "%ld threads were started for %d workers: a pool of W threads, not one per request",
             o->calls.threads_created, most);
    else if (o->procs && o->calls.forks > o->procs)
        fail(v, "%ld processes were forked for -p %d", o->calls.forks, o->procs);
    else if (m->forks && !m->event_loop && o->calls.forks > most)
        fail(v,
             "%ld processes were forked for %d workers: a pool of W processes, not one per "
             "request",
             o->calls.forks, most);
    else if (!m->threads && !m->forks && (o->calls.threads_created || o->calls.forks))
        fail(v, "the %s model started threads (%ld) or processes (%ld): it runs on one thread",
             m->name, o->calls.threads_created, o->calls.forks);
}

void judge_unlimited(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    (void)jd;
    if (!ran(o, v))
        return;
    if (o->peak < o->n)
        fail(v, "with -w 0 at most %ld of %d requests were in flight at once: 0 means no limit",
             o->peak, o->n);
    else if (o->wall_s > 3 * delay_s(o) + JUDGE_SLACK_S)
        fail(v, "took %.2f s; every request at once takes about %.2f s", o->wall_s, delay_s(o));
}

/* From the first page asked to the last one answered, by the server's
 * clock (the program's start-up is not the schedule's); else the wall. */
double server_span(const struct obs *o)
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
        const struct judged_row *r = &o->rows[id - 1];

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
    if (o->wall_s > 2 * JUDGE_SLACK_S + 3)
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
            fail(v,
                 "id %d (attempt %d) was given up after %.2f s, %.2f s into the job, before its "
                 "--timeout-ms %ld: every attempt has the whole of it, however long the job has "
                 "run (not what is left of a deadline for the whole job)",
                 r->id, r->attempt, waited, r->start_s - o->log[0].start_s, o->job->timeout_ms);
    }
}

void judge_timeout(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    (void)jd;
    if (!ran(o, v))
        return;
    rows_in_place(o, v);
    for (int id = 1; id <= o->n; id++) {
        const struct judged_row *r = &o->rows[id - 1];
        int stalled = in_list(o->job->stall_ids, id);

        if (!stalled && o->fetched[id] == 0)
            fail(v,
                 "id %d was never requested (its row says \"%s\"): every request is made, and "
                 "given its whole --timeout-ms, however long the job has run (a deadline for the "
                 "whole job?)",
                 id, r->error);
        else if (stalled && row_ok(r))
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
        else if (o->fetched[id] != 1 && !o->job->retries) /* with retries: the retries check's */
            fail(v,
                 "id %d was requested %d times: a request that timed out is a failed row (only "
                 "--retries asks again, and this job has none)",
                 id, o->fetched[id]);
    }
    if (!o->log_ok)
        fail(v, "the judge could not read its server's timeline (not your fault: tell your "
                "teacher)");
    if (!o->job->retries) /* a job with retries is judged by its rows and counts */
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
int ended(const struct obs *o, struct verdict *v)
{
    if (o->broken[0] || !o->ended)
        fail(v, "could not be checked: the job did not finish (see results)");
    return v->pass;
}

void judge_exclusion(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    (void)jd;
    if (!ran(o, v))
        return;
    if (o->calls.private_locks)
        fail(v, "a worker process took a lock in its own private memory (a global, the heap or "
                "the stack): after fork every process has its own copy, which excludes nobody; "
                "put the lock in memory shared with mmap(MAP_SHARED), made PTHREAD_PROCESS_SHARED");
    else
        fetched_once(o, v, "two processes claimed the same request: the claim is not exclusive");
}

/* ---- second_run: crawl_run called twice in one process ---- */

void judge_second_run(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    if (o->job->pages) { /* a frontier job: its list pages and details, each twice */
        judge_frontier_second_run(jd, o, v);
        return;
    }
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

/* ---- spawn_fails: a thread or a process refused ---- */

/* pthread_create or fork fails (EAGAIN) once spawn_cap have started: the
 * workers already running still do every request, and crawl_run returns
 * (threads_joined, children_reaped and fds_closed judge what it left). */
void judge_spawn_fails(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    (void)jd;
    if (!ran(o, v))
        return;
    for (int id = 1; id <= o->n; id++) {
        if (o->fetched[id] == 0)
            fail(v,
                 "after pthread_create or fork failed, id %d was never fetched: the workers "
                 "already running must share out all the work (a failed start is not the end "
                 "of the job)",
                 id);
        else if (o->fetched[id] > 1)
            fail(v, "id %d was fetched %d times", id, o->fetched[id]);
    }
    fetched_beyond(o, v);
    rows_ok(o, v, "", "");
}
