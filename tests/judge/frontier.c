/* SPDX-License-Identifier: MIT */
/* frontier.c -- the frontier variants' jobs and judgements (models.conf's
 * schedule frontier; their kinds of job and their checks are entries of
 * the one registry, registry.c, that need MODEL_FRONTIER). A frontier
 * crawl starts from list pages 1..L, each naming K detail pages in an
 * order only the page tells, and must fetch every page it finds exactly
 * once, wait (not spin, not quit) while the queue is empty but pages that
 * may add to it are in flight, and stop when nothing is queued or in
 * flight. A frontier job runs the judge's server with --pages L
 * --per-page K (and --chain, --list-fail-ids) and the program with
 * --pages L instead of -n. Every verdict is the server's word: its per-id
 * counts, its /log (which pages were lists, when each began and ended),
 * its /ideal; the rows are checked against it.
 *
 * The jobs: lists (uneven list delays), chain (--chain: list P + 1 is
 * both seeded and linked from P: dedup), fail_list (a list page answers
 * 500: its details are never named), no_details (--per-page 0),
 * slow_lists (W much larger than L, lists of 0.5-1.5 s: the queue is empty
 * while they are in flight), lists_unlimited (-w 0, the loops), and small
 * ones for the sanitizers (asan_lists, tsan_lists), lists_twice and
 * lists_caller. */
#include "judge.h"

#include "delay_plan.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define FRONTIER_TIME_FACTOR 1.5 /* the time bound: this times the ideal, plus slack */

/* ---- drawing ---- */

/* L lists of K, detail delays 40-80 ms, lists lmin-lmax ms. */
static void shape(struct job_shape *j, int pages, int per_page, int w, long lmin, long lmax)
{
    j->pages = pages;
    j->per_page = per_page;
    j->list_min = lmin;
    j->list_max = lmax;
    j->n = pages * per_page;
    j->w = w;
    j->timeout_ms = 10000;
    j->delay_min = 40;
    j->delay_max = 80;
}

static void say_shape(struct job_shape *j, const char *extra)
{
    describe(j, "%d list pages of %d details on %d workers, lists %ld-%ld ms, details %ld-%ld ms%s",
             j->pages, j->per_page, j->w, j->list_min, j->list_max, j->delay_min, j->delay_max,
             extra);
}

void draw_lists(struct job_shape *j, struct draw *d)
{
    shape(j, rnd(d, 3, 6), rnd(d, 2, 5), rnd(d, 2, 6), 100, 700);
    say_shape(j, "");
}

/* One list page: the crawl's only page in flight at first is a list, and
 * when it ends nothing else is (a loop that checks "anything in flight?"
 * before it starts what that page named ends with the details unfetched). */
void draw_one_list(struct job_shape *j, struct draw *d)
{
    shape(j, 1, rnd(d, 3, 6), rnd(d, 2, 4), 60, 150);
    say_shape(j, " (a single list page)");
}

void draw_chain(struct job_shape *j, struct draw *d)
{
    shape(j, rnd(d, 3, 5), rnd(d, 2, 4), rnd(d, 2, 5), 80, 300);
    j->chain = 1;
    say_shape(j, "; each list page links the next (--chain): list P + 1 is both seeded and found");
}

void draw_fail_list(struct job_shape *j, struct draw *d)
{
    char why[80];

    shape(j, rnd(d, 3, 5), rnd(d, 2, 4), rnd(d, 2, 4), 80, 300);
    j->fail_list = rnd(d, 1, j->pages);
    snprintf(why, sizeof why, "; list page %d answers HTTP 500 (its details are never named)",
             j->fail_list);
    say_shape(j, why);
}

void draw_no_details(struct job_shape *j, struct draw *d)
{
    shape(j, rnd(d, 2, 5), 0, rnd(d, 2, 4), 80, 200);
    say_shape(j, " (--per-page 0: the lists name nothing)");
}

void draw_slow_lists(struct job_shape *j, struct draw *d)
{
    shape(j, 2, rnd(d, 4, 6), rnd(d, 10, 14), 500, 1500);
    say_shape(j, ": the queue is empty while the lists are in flight");
}

void draw_lists_unlimited(struct job_shape *j, struct draw *d)
{
    shape(j, rnd(d, 4, 8), rnd(d, 4, 8), 0, 100, 300);
    j->delay_min = j->delay_max = 200;
    say_shape(j, " (-w 0: no limit)");
}

void draw_lists_small(struct job_shape *j, struct draw *d)
{
    shape(j, rnd(d, 2, 4), rnd(d, 2, 3), rnd(d, 2, 4), 60, 150);
    say_shape(j, "");
}

/* For the sanitizer builds: a failing list page among good ones, so the
 * paths a failure takes (its links never read, its row failed) run where
 * leaks and races are seen too. */
void draw_lists_faults(struct job_shape *j, struct draw *d)
{
    char why[80];

    shape(j, rnd(d, 3, 4), rnd(d, 2, 3), rnd(d, 2, 4), 60, 150);
    j->fail_list = rnd(d, 1, j->pages);
    snprintf(why, sizeof why, "; list page %d answers HTTP 500", j->fail_list);
    say_shape(j, why);
}

void draw_lists_twice(struct job_shape *j, struct draw *d)
{
    draw_lists_small(j, d);
    say_shape(j, ", crawl_run called twice in one process");
}

void draw_lists_caller(struct job_shape *j, struct draw *d)
{
    draw_lists_small(j, d);
    say_shape(j, ", the caller has a child of its own");
}

/* ---- what the server saw ---- */

/* The list page that names detail id (0: none), as the server lists them:
 * position (P-1)*K .. P*K-1 of its seeded permutation. */
static int list_of(const struct obs *o, int id)
{
    const struct job_shape *f = o->job;
    long pos =
        f->per_page > 0 ? dplan_perm_pos((uint64_t)o->seed, (long)f->pages * f->per_page, id) : -1;

    return pos < 0 ? 0 : (int)(pos / f->per_page) + 1;
}

/* When list page p was first answered with its links, by the server's
 * clock; 0 if it never was. */
static double list_answered_at(const struct obs *o, int p)
{
    double at = 0;

    for (int k = 0; o->is_list && k < o->nlog; k++) {
        const struct srv_rec *r = &o->log[k];

        if (o->is_list[k] && r->id == p && r->end == 'a' && r->status == 200 &&
            (!at || r->end_s < at))
            at = r->end_s;
    }
    return at;
}

/* Causality: a detail is known only from the list page that names it, so
 * no request for it may begin before that page was answered. A crawler
 * that guesses ids (1..L x K) fetches the right set, but too early. */
static void found_before_fetched(const struct obs *o, struct verdict *v)
{
    for (int k = 0; o->is_list && k < o->nlog && v->pass; k++) {
        const struct srv_rec *r = &o->log[k];
        int p = o->is_list[k] ? 0 : list_of(o, r->id);
        double known = p ? list_answered_at(o, p) : 0;

        if (!p)
            continue;
        if (!known)
            fail(v,
                 "detail %d was fetched, but list page %d, the only page that names it, was "
                 "never answered: a crawler knows a page only from the links it has read",
                 r->id, p);
        else if (r->start_s < known - 0.002)
            fail(v,
                 "detail %d was requested %.0f ms before list page %d, the only page that names "
                 "it, had been answered: a crawler knows a page only from the links it has read "
                 "(guessed ids?)",
                 r->id, (known - r->start_s) * 1000, p);
    }
}

/* Every list page fetched `times` times and every detail that a good list
 * names too; the details of a failed list never. */
static void pages_fetched(const struct obs *o, struct verdict *v, int times, const char *hint)
{
    const struct job_shape *f = o->job;

    for (int p = 1; p <= f->pages; p++)
        if (o->list_fetched[p] != times)
            fail(v, "list page %d was fetched %d time%s (the server's count), not %d%s", p,
                 o->list_fetched[p], o->list_fetched[p] == 1 ? "" : "s", times,
                 o->list_fetched[p] > times ? hint : "");
    if (o->list_other)
        fail(v, "%d list pages beyond 1..%d were fetched", o->list_other, f->pages);
    for (int id = 1; id <= o->n && v->pass; id++) {
        int want = f->fail_list && list_of(o, id) == f->fail_list ? 0 : times;

        if (o->fetched[id] != want)
            fail(v, "detail %d (named by list page %d) was fetched %d time%s, not %d%s", id,
                 list_of(o, id), o->fetched[id], o->fetched[id] == 1 ? "" : "s", want,
                 want == 0               ? ": its list page failed, so nothing names it"
                 : o->fetched[id] > want ? hint
                 : o->fetched[id] < want ? ": a page found was never fetched (lost)"
                                         : "");
    }
    if (o->fetched_other)
        fail(v, "%ld requests for pages beyond 1..%d", o->fetched_other, o->n);
    found_before_fetched(o, v);
}

/* One row per page fetched, its kind and status right: L + L*K rows (the
 * failed list's details excluded), each page once. */
static void rows_match(const struct obs *o, struct verdict *v)
{
    const struct job_shape *f = o->job;
    int seen_list[FRONTIER_LISTS_MAX + 2] = {0}, rows = 0;
    static int seen_detail[JUDGE_MAX_N + 1];

    memset(seen_detail, 0, sizeof seen_detail);
    for (int i = 0; i < o->rows_room && v->pass; i++) {
        const struct judged_row *r = &o->rows[i];
        int is_list = r->kind == 1;
        int bad_list = is_list && r->id == f->fail_list;

        if (!r->slot)
            continue;
        rows++;
        if (is_list ? r->id < 1 || r->id > f->pages : r->id < 1 || r->id > o->n) {
            fail(v, "row %d is a %s page %d, which the job has not", i + 1,
                 is_list ? "list" : "detail", r->id);
            break;
        }
        int *seen = is_list ? &seen_list[r->id] : &seen_detail[r->id];

        if ((*seen)++)
            fail(v, "two rows for %s page %d: one row per page", is_list ? "list" : "detail",
                 r->id);
        else if (bad_list && row_ok(r))
            fail(v, "list page %d answered HTTP 500, yet its row (status %d) says it succeeded",
                 r->id, r->status);
        else if (!bad_list && !(r->status == 200 && r->error[0] == '\0'))
            fail(v, "the row of %s page %d failed (status %d%s%s) though the server answered it",
                 is_list ? "list" : "detail", r->id, r->status, r->error[0] ? ": " : "", r->error);
    }
    for (int p = 1; p <= f->pages && v->pass; p++)
        if (!seen_list[p])
            fail(v, "no row for list page %d: one row per page fetched, list or detail", p);
    for (int id = 1; id <= o->n && v->pass; id++)
        if (!seen_detail[id] && !(f->fail_list && list_of(o, id) == f->fail_list))
            fail(v, "no row for detail page %d: one row per page fetched, with its kind", id);
    if (v->pass && !f->fail_list && o->crawl_rc != 0)
        fail(v, "crawl_run returned %d where every page succeeded (%d rows)", o->crawl_rc, rows);
}

/* The server's timeline: when the last list page ended, when the first
 * detail began; the most details in flight at once. */
static void timeline(const struct obs *o, double *last_list_end, double *first_detail,
                     int *detail_peak)
{
    const char *is_list = o->is_list;

    *last_list_end = 0, *first_detail = 0, *detail_peak = 0;
    for (int k = 0; is_list && k < o->nlog; k++) {
        const struct srv_rec *r = &o->log[k];
        int at_once = 0;

        if (is_list[k]) {
            if (r->end_s > *last_list_end)
                *last_list_end = r->end_s;
            continue;
        }
        if (!*first_detail || r->start_s < *first_detail)
            *first_detail = r->start_s;
        for (int m = 0; m < o->nlog; m++) {
            const struct srv_rec *q = &o->log[m];

            at_once +=
                !is_list[m] && q->start_s <= r->start_s && (q->end_s == 0 || q->end_s > r->start_s);
        }
        if (at_once > *detail_peak)
            *detail_peak = at_once;
    }
}

/* Worker-seconds left idle while a page already found waited to start:
 * a list page waits from the crawl's first request, a detail from when its
 * list page was answered (a guessed one, fetched earlier, never waits). */
static double idle_while_found(const struct obs *o, int w, double *longest, double *at)
{
    struct tick *t = malloc(sizeof *t * (size_t)(4 * o->nlog + 1));
    double first = 0, idle;
    int nt = 0;

    *longest = 0;
    if (!t)
        return 0;
    for (int k = 0; k < o->nlog; k++)
        if (!first || o->log[k].start_s < first)
            first = o->log[k].start_s;
    for (int k = 0; o->is_list && k < o->nlog; k++) {
        const struct srv_rec *r = &o->log[k];
        double found = o->is_list[k] ? first : list_answered_at(o, list_of(o, r->id));

        t[nt++] = (struct tick){r->start_s, 1, 0, 0};
        t[nt++] = (struct tick){r->end_s > 0 ? r->end_s : o->t_end, -1, 0, 0};
        if (r->attempt != 1)
            continue;
        if (!found || found > r->start_s)
            found = r->start_s;
        t[nt++] = (struct tick){found, 0, 1, 0};
        t[nt++] = (struct tick){r->start_s, 0, -1, 0};
    }
    idle = idle_over(t, nt, w, 0, longest, at);
    free(t);
    return idle;
}

/* ---- the checks ---- */

void judge_pages_once(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    (void)jd;
    if (!ran(o, v))
        return;
    pages_fetched(o, v, 1,
                  o->job->chain
                      ? ": list pages are seeded and linked from the one before: remember what "
                        "was queued (page_set) and queue each page once"
                      : ": remember what was queued (page_set) and queue each page once");
    rows_match(o, v);
}

void judge_no_lost_pages(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    double last_list_end, first_detail;
    int peak, want = o->job->per_page < workers(o) ? o->job->per_page : workers(o);

    if (!ran(o, v))
        return;
    pages_fetched(o, v, 1, "");
    rows_match(o, v);
    timeline(o, &last_list_end, &first_detail, &peak);
    /* one short of it: a loaded machine may start the last one late; a
     * pool whose workers quit has at most L = 2 left, and K is 4-6 */
    if (v->pass && jd->model->pool && o->log_ok && peak < want - 1)
        fail(v,
             "at most %d details were in flight at once, though a list page named %d and %d "
             "workers were free: workers that quit while the queue was momentarily empty (lists "
             "still in flight) lose the crawl's parallelism; wait on the condition while pages "
             "are in flight",
             peak, o->job->per_page, workers(o));
    if (v->pass && jd->model->pool && o->log_ok) {
        double longest, at, idle = idle_while_found(o, workers(o), &longest, &at);
        double span = server_span(o);

        /* A correct pool: ~0.01 worker-seconds, every stretch under 10 ms;
         * one whose workers quit: 0.2-0.5, a found page waiting a whole
         * detail's time (40-80 ms) for a worker that finished its own. */
        if (idle > 0.12 && longest > 0.04)
            fail(v,
                 "the server saw workers sit idle while pages already found waited to start: "
                 "%.2f s of %d workers' time in a run of %.2f s (the longest stretch %.2f s, "
                 "%.2f s in): a worker that found the queue empty for a moment quit, or waited "
                 "for more than its own page; wait while pages are in flight, take the next at "
                 "once",
                 idle, workers(o), span, longest, at);
    }
}

void judge_ends(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    double bound =
        o->ideal_frontier_s >= 0 ? FRONTIER_TIME_FACTOR * o->ideal_frontier_s + JUDGE_SLACK_S : 5;

    (void)jd;
    if (!ran(o, v))
        return;
    pages_fetched(o, v, 1, "");
    rows_match(o, v);
    if (v->pass && o->wall_s > bound)
        fail(v,
             "took %.2f s where the ideal is %.2f s (bound %.2f s): the crawl must end as soon as "
             "nothing is queued or in flight",
             o->wall_s, o->ideal_frontier_s, bound);
}

void judge_overlap(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    double last_list_end, first_detail;
    int peak;

    (void)jd;
    if (!ran(o, v))
        return;
    if (!o->log_ok) {
        fail(v, "the judge could not read its server's timeline (not your fault: tell your "
                "teacher)");
        return;
    }
    timeline(o, &last_list_end, &first_detail, &peak);
    if (first_detail && first_detail >= last_list_end)
        fail(v,
             "the first detail page began %.0f ms after the last list page ended (the server's "
             "timeline): all lists first, then all details, is the stage-by-stage form; queue "
             "each list's details as it ends, so they start while other lists are in flight",
             (first_detail - last_list_end) * 1000);
    else if (!first_detail)
        fail(v, "no detail page was fetched");
}

void judge_time(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    double span = server_span(o);
    double bound = FRONTIER_TIME_FACTOR * o->ideal_frontier_s + JUDGE_SLACK_S;

    (void)jd;
    if (!ran(o, v))
        return;
    if (o->ideal_frontier_s < 0)
        fail(v, "the judge could not ask its server for the ideal (not your fault: tell your "
                "teacher)");
    else if (span > bound)
        fail(v,
             "the pages took %.2f s from the first request to the last answer; the ideal "
             "schedule takes %.2f s (bound %.2f s): start every page as soon as it is found and "
             "a worker is free",
             span, o->ideal_frontier_s, bound);
}

void judge_frontier_second_run(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    (void)jd;
    if (!ran(o, v))
        return;
    pages_fetched(o, v, 2,
                  ": crawl_run was called twice, each call must fetch every page once (state "
                  "left from the first call: a page set never emptied?)");
    rows_match(o, v);
    if (v->pass && o->first_bad > 0)
        fail(v, "the first of two calls of crawl_run left %d rows failed", o->first_bad);
}
