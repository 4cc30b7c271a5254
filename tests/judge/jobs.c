/* SPDX-License-Identifier: MIT */
/* jobs.c -- a job's shape, drawn from the grading's seed: N, W, the
 * delays, which ids fail and how. Every grading draws new shapes (and
 * prints its seed, so a grading can be replayed with --seed); the bounds
 * keep each shape irregular (N not a multiple of W, W = 1, W > N, more
 * failures than workers) and a whole grading under ~30 s. One draw_KIND a
 * kind of job (the frontier variants' are in frontier.c); the kinds
 * themselves are in the registry (registry.c). */
#include "judge.h"

#include "delay_plan.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- drawing ---- */

/* A whole number in [lo, hi], from the grading's seed. */
int rnd(struct draw *d, int lo, int hi)
{
    return hi <= lo ? lo : lo + (int)(dplan_mix(d->rng++) % (uint64_t)(hi - lo + 1));
}

/* A pool's size in [lo, hi]; even where two processes share it. */
static int pool(struct draw *d, int lo, int hi)
{
    int w = rnd(d, lo, hi);

    return d->even_pools && w > 2 ? w - w % 2 : w;
}

/* count distinct ids of 1..n, none already in taken[], as "3,9,4" (and
 * marked in taken[]). */
static void pick_ids(struct draw *d, char *out, int n, int count, char *taken)
{
    size_t len = 0;

    out[0] = '\0';
    for (int k = 0, tries = 0; k < count && tries < 1000; tries++) {
        int id = rnd(d, 1, n);

        if (taken[id] || len + 12 > JUDGE_IDS_MAX)
            continue;
        taken[id] = 1;
        len += (size_t)snprintf(out + len, JUDGE_IDS_MAX - len, "%s%d", len ? "," : "", id);
        k++;
    }
}

void describe(struct job_shape *j, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(j->what, sizeof j->what, fmt, ap);
    va_end(ap);
}

/* ---- the shapes, one a kind of job ---- */

/* The jobs' shared start: no timeout to speak of, one delay for every id. */
static void plain(struct job_shape *j, struct draw *d)
{
    j->timeout_ms = 10000;
    j->delay_min = j->delay_max = rnd(d, 40, 80);
}

void draw_regular(struct job_shape *j, struct draw *d)
{
    plain(j, d);
    j->w = pool(d, 4, 10);
    j->n = d->serial ? rnd(d, 5, 9) : j->w * rnd(d, 2, 3);
    describe(j, "%d requests on %d workers, %ld ms each", j->n, j->w, j->delay_min);
}

void draw_twice(struct job_shape *j, struct draw *d)
{
    plain(j, d);
    j->n = rnd(d, 5, 10), j->w = pool(d, 2, 4);
    describe(j, "%d requests on %d workers, %ld ms each, crawl_run called twice in one process",
             j->n, j->w, j->delay_min);
}

void draw_caller(struct job_shape *j, struct draw *d)
{
    plain(j, d);
    j->n = rnd(d, 5, 10), j->w = pool(d, 2, 4);
    describe(j, "%d requests on %d workers, %ld ms each, the caller has a child of its own", j->n,
             j->w, j->delay_min);
}

void draw_ragged(struct job_shape *j, struct draw *d)
{
    plain(j, d);
    j->w = pool(d, 3, 7);
    j->n = d->serial ? rnd(d, 5, 8) : j->w * rnd(d, 2, 4) + rnd(d, 1, j->w - 1);
    describe(j, "%d requests on %d workers (N not a multiple of W), %ld ms each", j->n, j->w,
             j->delay_min);
}

void draw_one_worker(struct job_shape *j, struct draw *d)
{
    plain(j, d);
    j->n = rnd(d, 3, 6), j->w = 1;
    describe(j, "%d requests on 1 worker", j->n);
}

void draw_more_workers(struct job_shape *j, struct draw *d)
{
    plain(j, d);
    j->n = rnd(d, 3, 6), j->w = j->n + rnd(d, 1, 5);
    j->delay_min = j->delay_max = rnd(d, 100, 150); /* every worker has forked by then */
    j->w += d->even_pools && j->w % 2;              /* still more than N once split in two */
    describe(j, "%d requests on %d workers (W > N)", j->n, j->w);
}

void draw_single(struct job_shape *j, struct draw *d)
{
    plain(j, d);
    j->n = 1, j->w = pool(d, 2, 6);
    describe(j, "1 request on %d workers", j->w);
}

void draw_empty(struct job_shape *j, struct draw *d)
{
    plain(j, d);
    j->n = 0, j->w = 4;
    describe(j, "0 requests");
}

void draw_uneven(struct job_shape *j, struct draw *d)
{
    plain(j, d);
    j->n = rnd(d, 20, 28), j->w = pool(d, 3, 5), j->delay_min = 50, j->delay_max = 600;
    j->skip = d->serial;
    describe(j, "%d requests on %d workers, each id delayed differently (50-600 ms)", j->n, j->w);
}

void draw_unlimited(struct job_shape *j, struct draw *d)
{
    plain(j, d);
    j->n = rnd(d, 30, 60), j->w = 0, j->delay_min = j->delay_max = 300;
    describe(j, "%d requests with -w 0 (no limit), 300 ms each", j->n);
}

void draw_errors(struct job_shape *j, struct draw *d)
{
    char taken[JUDGE_MAX_N + 1] = {0};

    plain(j, d);
    j->n = d->serial ? rnd(d, 7, 10) : rnd(d, 11, 16), j->w = pool(d, 3, 5);
    pick_ids(d, j->fail_ids, j->n, d->serial ? 3 : j->w + rnd(d, 1, 2), taken);
    describe(j, "%d requests on %d workers; ids %s answer HTTP 500 (more than W)", j->n, j->w,
             j->fail_ids);
}

void draw_wrong(struct job_shape *j, struct draw *d)
{
    char taken[JUDGE_MAX_N + 1] = {0};

    plain(j, d);
    j->n = d->serial ? rnd(d, 7, 10) : rnd(d, 11, 16), j->w = pool(d, 3, 5);
    pick_ids(d, j->wrong_ids, j->n, rnd(d, 1, 2), taken);
    describe(j, "%d requests on %d workers; ids %s are answered with another id's page", j->n, j->w,
             j->wrong_ids);
}

void draw_refused(struct job_shape *j, struct draw *d)
{
    plain(j, d);
    j->n = d->serial ? 4 : rnd(d, 6, 10), j->w = pool(d, 3, 5), j->refused = 1;
    describe(j, "%d requests on %d workers, nothing listening", j->n, j->w);
}

void draw_contention(struct job_shape *j, struct draw *d)
{
    plain(j, d);
    /* under the hooks' cap of 256 threads, so a thread per request
     * loses the limit check here, not every id past the cap */
    j->n = 200, j->w = pool(d, 12, 20), j->delay_min = 0, j->delay_max = 2, j->skip = d->serial;
    describe(j,
             "200 requests on %d workers, answered at once (the claims collide; a worker pauses "
             "0.2 ms after letting go of a lock)",
             j->w);
}

void draw_large(struct job_shape *j, struct draw *d)
{
    plain(j, d);
    j->n = d->serial ? rnd(d, 150, 250) : rnd(d, 1000, 2000);
    j->w = d->serial ? 1 : pool(d, 65, 100), j->delay_min = d->serial ? 1 : 20;
    j->delay_max = d->serial ? 3 : 60;
    describe(j, "%d requests on %d workers, %ld-%ld ms each (a class-sized job)", j->n, j->w,
             j->delay_min, j->delay_max);
}

/* A job with faults mixed in at random ids: 500s, cut transfers, stalls
 * (timeouts) and wrong pages among good ones, retried up to R times. */
void draw_faults(struct job_shape *j, struct draw *d)
{
    char taken[JUDGE_MAX_N + 1] = {0};

    j->n = d->serial || j->flavor != FLAVOR_PLAIN ? rnd(d, 8, 12) : rnd(d, 16, 30);
    j->w = pool(d, 3, 6);
    j->delay_min = 20;
    j->delay_max = 80;
    j->retries = rnd(d, 1, 2);
    j->timeout_ms = rnd(d, 500, 600); /* a good page (at most 80 ms) never comes near it */
    pick_ids(d, j->fail_ids, j->n, j->n / 6 + 1, taken);
    pick_ids(d, j->cut_ids, j->n, j->n / 8 + 1, taken);
    pick_ids(d, j->stall_ids, j->n, d->serial ? 1 : rnd(d, 1, 2), taken);
    pick_ids(d, j->wrong_ids, j->n, rnd(d, 1, 2), taken);
    describe(j,
             "%d requests on %d workers, --retries %d, --timeout-ms %ld; ids %s answer 500, %s are "
             "cut short, %s never answer, %s get another id's page",
             j->n, j->w, j->retries, j->timeout_ms, j->fail_ids, j->cut_ids, j->stall_ids,
             j->wrong_ids);
}

/* Some pages fast, some never answered: each stalled one must fail after
 * its own --timeout-ms while the fast ones go on and succeed. */
void draw_timeout(struct job_shape *j, struct draw *d)
{
    char taken[JUDGE_MAX_N + 1] = {0};
    int small = d->serial || j->flavor != FLAVOR_PLAIN; /* the sanitizers only see the paths */

    /* fast pages far inside the timeout (a loaded machine may hold the
     * server up a while), and enough of them to keep the loop busy long
     * after the stalled ones should have been given up */
    j->n = small ? rnd(d, 5, 7) : rnd(d, 28, 36);
    j->w = pool(d, 3, 4);
    j->delay_min = 50;
    j->delay_max = 150;
    j->timeout_ms = rnd(d, 700, 900);
    /* stalled early, so a timer that restarts with every finished transfer
     * (a loop's idle timer) keeps them waiting long after --timeout-ms */
    pick_ids(d, j->stall_ids, small ? 3 : j->w + 2, small ? 2 : rnd(d, 2, 3), taken);
    describe(j,
             "%d requests on %d workers, --timeout-ms %ld; ids %s never answer in time, the "
             "others within %ld-%ld ms",
             j->n, j->w, j->timeout_ms, j->stall_ids, j->delay_min, j->delay_max);
}

/* Retries that take the job far past ceil(N/W) x --timeout-ms: the first W
 * ids never answer (each attempt times out, then a backoff, 5 attempts),
 * the last ones are fast pages that start only when a worker is done with
 * them. A correct run gives every attempt its whole --timeout-ms however
 * long the job has run: the last pages start after about 5 T + the
 * backoffs (at least 375 ms), past 3 x ceil(N/W) T = 6 T. A deadline for
 * the whole job of up to about 3 times that (a transfer given what is left
 * of it, no new request or attempt after it, the loop stopped at it) fails
 * the last pages or the last attempts. */
void draw_deadline(struct job_shape *j, struct draw *d)
{
    size_t len = 0;

    j->w = d->serial ? 1 : pool(d, 3, 4);
    j->n = j->w + (d->serial ? 1 : 2);
    j->delay_min = 20;
    j->delay_max = 40;
    j->retries = 4;
    j->timeout_ms = rnd(d, 300, 350); /* far above a fast page, even on a loaded machine */
    for (int id = 1; id <= j->w; id++)
        len += (size_t)snprintf(j->stall_ids + len, sizeof j->stall_ids - len, "%s%d",
                                len ? "," : "", id);
    describe(j,
             "%d requests on %d workers, --retries %d, --timeout-ms %ld; ids %s never answer "
             "(every attempt times out), the others within %ld-%ld ms: the job runs far past "
             "ceil(N/W) x --timeout-ms",
             j->n, j->w, j->retries, j->timeout_ms, j->stall_ids, j->delay_min, j->delay_max);
}

/* The system refuses a thread or a process (EAGAIN, as RLIMIT_NPROC
 * would) once spawn_cap have started, 1..W-1 of W: the workers already
 * running must do all the work, and crawl_run must still clean up and
 * return. Only for models that start threads or processes. */
void draw_spawn_fails(struct job_shape *j, struct draw *d)
{
    plain(j, d);
    j->w = pool(d, 4, 8);
    j->n = j->w * 2 + rnd(d, 1, 3);
    j->spawn_cap = d->even_pools ? 1 : rnd(d, 1, j->w / 2); /* hybrid: P = 2 processes */
    j->skip = !d->spawns;
    describe(j,
             "%d requests on %d workers; pthread_create and fork fail (EAGAIN) after %d "
             "succeeded, as under a process limit",
             j->n, j->w, j->spawn_cap);
}

/* ---- every job of a grading ---- */

/* Every job's shape for this model, from the grading's seed: each job its
 * own stream (one job's shape does not move another's), by its place among
 * the jobs of its schedule (the frontier's from 1000 on). */
void jobs_draw(struct judge *jd)
{
    int drawn[2] = {0, 0}; /* classic and frontier jobs so far */

    jd->njobs = NJOB_KINDS;
    for (size_t k = 0; k < NJOB_KINDS; k++) {
        const struct job_kind *kind = &JOB_KINDS[k];
        struct job_shape *j = &jd->jobs[k];
        int frontier = (kind->needs & MODEL_FRONTIER) != 0;
        struct draw d = {.rng = dplan_hash(jd->seed, frontier ? 1000 + drawn[1]++ : 1 + drawn[0]++),
                         .serial = !jd->model->pool,
                         .even_pools = jd->model->forks && jd->model->event_loop,
                         .spawns = jd->model->threads || jd->model->forks};

        *j = (struct job_shape){.kind = kind, .name = kind->name, .flavor = kind->flavor};
        kind->draw(j, &d);
        if (j->flavor != FLAVOR_PLAIN)
            snprintf(j->what + strlen(j->what), sizeof j->what - strlen(j->what), ", %s build",
                     flavor_name(j->flavor));
    }
}

/* Is a job of this kind for this model's schedule? A frontier job (it
 * needs MODEL_FRONTIER) for the frontier variants, any other for the
 * classic models: the two take different command lines (--pages, -n). */
int job_for_schedule(const struct job_kind *k, const struct model_spec *m)
{
    return ((k->needs & MODEL_FRONTIER) != 0) == (m->frontier != 0);
}

/* Does this job apply to this model? */
int job_applies(const struct job_shape *j, const struct model_spec *m)
{
    return !j->skip && job_for_schedule(j->kind, m) && model_has(m, j->kind->needs);
}
