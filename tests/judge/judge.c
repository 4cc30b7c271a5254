/* SPDX-License-Identifier: MIT */
/* judge.c -- grade-judge: runs a graded binary (a student's model file
 * linked with the shared driver and tests/judge/hooks.c) on a set of jobs,
 * each in a sandbox against a delay-server of its own, and prints one
 * verdict line per check:
 *     CHECK <name> PASS | FAIL <reason> | SKIP <reason>
 * The judge believes only what it observes itself: the server's counters
 * (peak in flight, fetches per id), /proc of the sandboxed process, its
 * exit status, the sanitizer's own log file and the rows the driver hands
 * over on a descriptor the judge owns (checked against the server's
 * counts). What the program prints is context, never evidence.
 * Usage: see help() below. tests/grade.sh is its only intended caller. */
#include "judge.h"

#include "delay_plan.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the model ----
 * What the judge knows of a model comes from its row in models.conf, which
 * grade.sh passes on: its name (for the reasons) and its means of
 * concurrency (none, threads, forks, loop, forks+loop). */

static struct model_spec model_spec;

static int model_set_means(struct model_spec *m, const char *means)
{
    static const char *const known[] = {"none", "threads", "forks", "loop", "forks+loop"};
    int ok = 0;

    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
        ok |= strcmp(means, known[k]) == 0;
    if (!ok)
        return -1;
    m->pool = strcmp(means, "none") != 0;
    m->threads = strcmp(means, "threads") == 0;
    m->forks = strncmp(means, "forks", 5) == 0;
    m->event_loop = strstr(means, "loop") != NULL;
    return 0;
}

/* ---- the jobs ----
 * Every grading draws its jobs' shapes (N, W, delays, which ids fail and
 * how) from one seed, printed, so a mistake that shows only in some shapes
 * meets a new one each time and a grading can be replayed (--seed). The
 * bounds keep each shape irregular (N not a multiple of W, W = 1, W > N,
 * more failures than workers) and a whole grading under ~30 s. */
static const struct job_shape BASE[] = {
    {.name = "regular"},
    {.name = "ragged"},
    {.name = "one_worker"},
    {.name = "more_workers"},
    {.name = "single"},
    {.name = "empty"},
    {.name = "uneven"},
    {.name = "unlimited"},
    {.name = "errors"},
    {.name = "wrong"},
    {.name = "refused"},
    {.name = "timeout"},
    {.name = "contention"},
    {.name = "large"},
    {.name = "faults"},
    {.name = "twice"},
    {.name = "caller"},
    {.name = "asan_regular", .flavor = FLAVOR_ASAN},
    {.name = "asan_faults", .flavor = FLAVOR_ASAN},
    {.name = "asan_timeout", .flavor = FLAVOR_ASAN},
    {.name = "tsan_regular", .flavor = FLAVOR_TSAN},
    {.name = "tsan_ragged", .flavor = FLAVOR_TSAN},
    {.name = "tsan_faults", .flavor = FLAVOR_TSAN},
};
#define NJOBS (sizeof BASE / sizeof BASE[0])

static uint64_t rng_state;
static int even_pools; /* hybrid: W is split between two processes */

/* A whole number in [lo, hi], from the grading's seed. */
static int rnd(int lo, int hi)
{
    return hi <= lo ? lo : lo + (int)(dplan_mix(rng_state++) % (uint64_t)(hi - lo + 1));
}

/* A pool's size in [lo, hi]; even where two processes share it. */
static int pool(int lo, int hi)
{
    int w = rnd(lo, hi);

    return even_pools && w > 2 ? w - w % 2 : w;
}

/* count distinct ids of 1..n, none already in taken[], as "3,9,4" (and
 * marked in taken[]). */
static void pick_ids(char *out, int n, int count, char *taken)
{
    size_t len = 0;

    out[0] = '\0';
    for (int k = 0, tries = 0; k < count && tries < 1000; tries++) {
        int id = rnd(1, n);

        if (taken[id] || len + 12 > JUDGE_IDS_MAX)
            continue;
        taken[id] = 1;
        len += (size_t)snprintf(out + len, JUDGE_IDS_MAX - len, "%s%d", len ? "," : "", id);
        k++;
    }
}

static void describe(struct job_shape *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void describe(struct job_shape *j, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(j->what, sizeof j->what, fmt, ap);
    va_end(ap);
}

/* A job with faults mixed in at random ids: 500s, cut transfers, stalls
 * (timeouts) and wrong pages among good ones, retried up to R times. */
static void draw_faults(struct job_shape *j, int serial)
{
    char taken[JUDGE_MAX_N + 1] = {0};

    j->n = serial || j->flavor != FLAVOR_PLAIN ? rnd(8, 12) : rnd(16, 30);
    j->w = pool(3, 6);
    j->delay_min = 20;
    j->delay_max = 80;
    j->retries = rnd(1, 2);
    j->timeout_ms = rnd(500, 600); /* a good page (at most 80 ms) never comes near it */
    pick_ids(j->fail_ids, j->n, j->n / 6 + 1, taken);
    pick_ids(j->cut_ids, j->n, j->n / 8 + 1, taken);
    pick_ids(j->stall_ids, j->n, serial ? 1 : rnd(1, 2), taken);
    pick_ids(j->wrong_ids, j->n, rnd(1, 2), taken);
    describe(j,
             "%d requests on %d workers, --retries %d, --timeout-ms %ld; ids %s answer 500, %s are "
             "cut short, %s never answer, %s get another id's page",
             j->n, j->w, j->retries, j->timeout_ms, j->fail_ids, j->cut_ids, j->stall_ids,
             j->wrong_ids);
}

/* Some pages fast, some never answered: each stalled one must fail after
 * its own --timeout-ms while the fast ones go on and succeed. */
static void draw_timeout(struct job_shape *j, int serial)
{
    char taken[JUDGE_MAX_N + 1] = {0};

    int small = serial || j->flavor != FLAVOR_PLAIN; /* the sanitizers only see the paths */

    /* fast pages far inside the timeout (a loaded machine may hold the
     * server up a while), and enough of them to keep the loop busy long
     * after the stalled ones should have been given up */
    j->n = small ? rnd(5, 7) : rnd(28, 36);
    j->w = pool(3, 4);
    j->delay_min = 50;
    j->delay_max = 150;
    j->timeout_ms = rnd(700, 900);
    /* stalled early, so a timer that restarts with every finished transfer
     * (a loop's idle timer) keeps them waiting long after --timeout-ms */
    pick_ids(j->stall_ids, small ? 3 : j->w + 2, small ? 2 : rnd(2, 3), taken);
    describe(j,
             "%d requests on %d workers, --timeout-ms %ld; ids %s never answer in time, the "
             "others within %ld-%ld ms",
             j->n, j->w, j->timeout_ms, j->stall_ids, j->delay_min, j->delay_max);
}

static void draw_plain(struct job_shape *j, int serial)
{
    const char *name = j->name + (j->flavor == FLAVOR_PLAIN ? 0 : 5);
    char taken[JUDGE_MAX_N + 1] = {0};

    j->timeout_ms = 10000;
    j->delay_min = j->delay_max = rnd(40, 80);
    if (strcmp(name, "regular") == 0) {
        j->w = pool(4, 10);
        j->n = serial ? rnd(5, 9) : j->w * rnd(2, 3);
        describe(j, "%d requests on %d workers, %ld ms each", j->n, j->w, j->delay_min);
    } else if (strcmp(name, "twice") == 0 || strcmp(name, "caller") == 0) {
        j->n = rnd(5, 10), j->w = pool(2, 4);
        describe(j, "%d requests on %d workers, %ld ms each%s", j->n, j->w, j->delay_min,
                 name[0] == 't' ? ", crawl_run called twice in one process"
                                : ", the caller has a child of its own");
    } else if (strcmp(name, "ragged") == 0) {
        j->w = pool(3, 7);
        j->n = serial ? rnd(5, 8) : j->w * rnd(2, 4) + rnd(1, j->w - 1);
        describe(j, "%d requests on %d workers (N not a multiple of W), %ld ms each", j->n, j->w,
                 j->delay_min);
    } else if (strcmp(name, "one_worker") == 0) {
        j->n = rnd(3, 6), j->w = 1;
        describe(j, "%d requests on 1 worker", j->n);
    } else if (strcmp(name, "more_workers") == 0) {
        j->n = rnd(3, 6), j->w = j->n + rnd(1, 5);
        j->delay_min = j->delay_max = rnd(100, 150); /* every worker has forked by then */
        j->w += even_pools && j->w % 2;              /* still more than N once split in two */
        describe(j, "%d requests on %d workers (W > N)", j->n, j->w);
    } else if (strcmp(name, "single") == 0) {
        j->n = 1, j->w = pool(2, 6);
        describe(j, "1 request on %d workers", j->w);
    } else if (strcmp(name, "empty") == 0) {
        j->n = 0, j->w = 4;
        describe(j, "0 requests");
    } else if (strcmp(name, "uneven") == 0) {
        j->n = rnd(20, 28), j->w = pool(3, 5), j->delay_min = 50, j->delay_max = 600;
        j->skip = serial;
        describe(j, "%d requests on %d workers, each id delayed differently (50-600 ms)", j->n,
                 j->w);
    } else if (strcmp(name, "unlimited") == 0) {
        j->n = rnd(30, 60), j->w = 0, j->delay_min = j->delay_max = 300;
        describe(j, "%d requests with -w 0 (no limit), 300 ms each", j->n);
    } else if (strcmp(name, "errors") == 0) {
        j->n = serial ? rnd(7, 10) : rnd(11, 16), j->w = pool(3, 5);
        pick_ids(j->fail_ids, j->n, serial ? 3 : j->w + rnd(1, 2), taken);
        describe(j, "%d requests on %d workers; ids %s answer HTTP 500 (more than W)", j->n, j->w,
                 j->fail_ids);
    } else if (strcmp(name, "wrong") == 0) {
        j->n = serial ? rnd(7, 10) : rnd(11, 16), j->w = pool(3, 5);
        pick_ids(j->wrong_ids, j->n, rnd(1, 2), taken);
        describe(j, "%d requests on %d workers; ids %s are answered with another id's page", j->n,
                 j->w, j->wrong_ids);
    } else if (strcmp(name, "refused") == 0) {
        j->n = serial ? 4 : rnd(6, 10), j->w = pool(3, 5), j->refused = 1;
        describe(j, "%d requests on %d workers, nothing listening", j->n, j->w);
    } else if (strcmp(name, "contention") == 0) {
        /* under the hooks' cap of 256 threads, so a thread per request
         * loses the limit check here, not every id past the cap */
        j->n = 200, j->w = pool(12, 20), j->delay_min = 0, j->delay_max = 2, j->skip = serial;
        describe(j, "200 requests on %d workers, answered at once (the claims collide)", j->w);
    } else if (strcmp(name, "large") == 0) {
        j->n = serial ? rnd(150, 250) : rnd(1000, 2000);
        j->w = serial ? 1 : pool(65, 100), j->delay_min = serial ? 1 : 20;
        j->delay_max = serial ? 3 : 60;
        describe(j, "%d requests on %d workers, %ld-%ld ms each (a class-sized job)", j->n, j->w,
                 j->delay_min, j->delay_max);
    }
}

/* Every job's shape for this model, from the grading's seed. */
static void jobs_draw(struct judge *jd)
{
    int serial = !jd->model->pool;

    jd->njobs = NJOBS;
    even_pools = jd->model->forks && jd->model->event_loop;
    for (size_t k = 0; k < NJOBS; k++) {
        struct job_shape *j = &jd->jobs[k];
        const char *name = BASE[k].name;

        *j = BASE[k];
        rng_state = dplan_hash(jd->seed, k + 1); /* one job's shape does not move another's */
        if (strstr(name, "faults"))
            draw_faults(j, serial);
        else if (strstr(name, "timeout"))
            draw_timeout(j, serial);
        else
            draw_plain(j, serial);
        if (strcmp(name, "twice") == 0)
            j->env = "JUDGE_TWICE=1";
        else if (strcmp(name, "caller") == 0)
            j->env = "JUDGE_CALLER=1";
        if (j->flavor != FLAVOR_PLAIN)
            snprintf(j->what + strlen(j->what), sizeof j->what - strlen(j->what), ", %s build",
                     j->flavor == FLAVOR_ASAN ? "AddressSanitizer" : "ThreadSanitizer");
    }
}

/* Does this job apply to this model? */
static int job_applies(const struct job_shape *j, const struct model_spec *m)
{
    if (j->skip)
        return 0;
    if (strcmp(j->name, "unlimited") == 0)
        return m->event_loop;
    if (j->flavor == FLAVOR_TSAN)
        return m->threads;
    return 1;
}

/* ---- the checks: which jobs each looks at, and its judgement ---- */

/* A lenient check looks past a job that crashed or hung (its own check
 * already failed there) and judges the jobs that finished; it fails only
 * when none did. So one mistake costs the points of its own checks. */
static const struct check CHECKS[] = {
    {"results", "regular,ragged,contention,large", 0, judge_results},
    {"parallel", "regular,ragged", 0, judge_parallel},
    {"limit", "regular,ragged,one_worker,more_workers,uneven,contention,errors,large", 1,
     judge_limit},
    {"unlimited", "unlimited", 0, judge_unlimited},
    {"uneven", "uneven", 0, judge_uneven},
    {"http_errors", "errors", 0, judge_http_errors},
    {"wrong_body", "wrong", 0, judge_wrong_body},
    {"refused", "refused", 0, judge_refused},
    {"timeout", "timeout", 0, judge_timeout},
    {"empty", "empty", 0, judge_empty},
    {"single", "single", 0, judge_single},
    {"one_worker", "one_worker", 0, judge_one_worker},
    {"more_workers", "more_workers", 0, judge_more_workers},
    {"threads_joined", HYGIENE_JOBS, 1, judge_threads_joined},
    {"children_reaped", HYGIENE_JOBS, 1, judge_children_reaped},
    {"fds_closed", HYGIENE_JOBS, 1, judge_fds_closed},
    {"easy_handles", HYGIENE_JOBS, 1, judge_easy_handles},
    {"cpu", "uneven,regular,faults", 1, judge_cpu},
    {"exclusion", "contention,regular,ragged,large", 1, judge_exclusion},
    {"memory", "asan_regular,asan_faults,asan_timeout", 1, judge_sanitizer},
    {"race", "tsan_regular,tsan_ragged,tsan_faults", 1, judge_sanitizer},
    {"retries", "faults", 0, judge_retries},
    {"no_idle", "regular,ragged,uneven,faults", 1, judge_no_idle},
    {"second_run", "twice", 0, judge_second_run},
    {"caller_state", "caller,regular,errors", 1, judge_caller_state},
};
#define NCHECKS (sizeof CHECKS / sizeof CHECKS[0])

static const char *not_applicable(const struct check *c, const struct model_spec *m)
{
    if (strcmp(c->name, "parallel") == 0 && !m->pool)
        return "a serial model has no parallelism to check";
    if (strcmp(c->name, "unlimited") == 0 && !m->event_loop)
        return "only an event loop takes -w 0";
    if (strcmp(c->name, "uneven") == 0 && !m->pool)
        return "a serial model has no schedule to check";
    if (strcmp(c->name, "race") == 0 && !m->threads)
        return "ThreadSanitizer checks the threaded model";
    if (strcmp(c->name, "exclusion") == 0 && !m->forks)
        return "exclusion across processes: the forked models";
    return NULL;
}

static int list_has(const char *list, const char *name)
{
    size_t len = strlen(name);

    for (const char *p = list; (p = strstr(p, name)) != NULL; p += len) {
        if ((p == list || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
            return 1;
    }
    return 0;
}

/* ---- command line ---- */

static void help(void)
{
    printf("usage: grade-judge --model MODEL --means MEANS --server DELAY-SERVER --work DIR\n"
           "                   [--plain BIN] [--asan BIN] [--tsan BIN]\n"
           "                   [--sandbox auto|require|off] [--seed N] [--reference BIN]\n"
           "                   [--verbose] CHECK...\n"
           "Run a graded binary on the jobs the CHECKs need, each in a sandbox against\n"
           "its own delay-server, and print CHECK <name> PASS|FAIL <why>|SKIP <why>.\n"
           "The jobs' shapes are drawn from --seed (default: a random one), printed\n"
           "first as SEED N, so a grading can be replayed.\n"
           "Exit status: 0 the checks ran (whatever their verdicts), 2 bad usage,\n"
           "3 the judge itself could not work (no server, no work folder).\n");
}

static const struct check *check_find(const char *name)
{
    for (size_t k = 0; k < NCHECKS; k++)
        if (strcmp(CHECKS[k].name, name) == 0)
            return &CHECKS[k];
    return NULL;
}

static int usage(const char *why)
{
    fprintf(stderr, "grade-judge: %s (see --help)\n", why);
    return 2;
}

static int parse_args(int argc, char **argv, struct judge *jd)
{
    static const struct option opts[] = {
        {"model", required_argument, NULL, 'm'},
        {"server", required_argument, NULL, 's'},
        {"means", required_argument, NULL, 'M'},
        {"work", required_argument, NULL, 'd'},
        {"plain", required_argument, NULL, 'P'},
        {"asan", required_argument, NULL, 'A'},
        {"tsan", required_argument, NULL, 'T'},
        {"sandbox", required_argument, NULL, 'x'},
        {"verbose", no_argument, NULL, 'v'},
        {"seed", required_argument, NULL, 'S'},
        {"reference", required_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            model_spec.name = optarg;
            break;
        case 'M':
            if (model_set_means(&model_spec, optarg) != 0)
                return usage("--means is none, threads, forks, loop or forks+loop");
            jd->model = &model_spec;
            break;
        case 's':
            jd->server = optarg;
            break;
        case 'd':
            jd->work = optarg;
            break;
        case 'P':
            jd->bin[FLAVOR_PLAIN] = optarg;
            break;
        case 'A':
            jd->bin[FLAVOR_ASAN] = optarg;
            break;
        case 'T':
            jd->bin[FLAVOR_TSAN] = optarg;
            break;
        case 'x':
            if (strcmp(optarg, "auto") && strcmp(optarg, "require") && strcmp(optarg, "off"))
                return usage("--sandbox is auto, require or off");
            jd->sandbox_mode = optarg[0];
            break;
        case 'v':
            jd->verbose = 1;
            break;
        case 'R':
            jd->reference = optarg;
            break;
        case 'S': {
            char *end;

            errno = 0;
            jd->seed = strtoul(optarg, &end, 10);
            if (errno || *end || optarg[0] < '0' || optarg[0] > '9')
                return usage("--seed is a whole number");
            jd->has_seed = 1;
            break;
        }
        case 'h':
            help();
            exit(0);
        default:
            return usage("unknown option or missing value");
        }
    }
    if (!model_spec.name || !jd->model || !jd->server || !jd->work)
        return usage("--model, --means, --server and --work are required");
    if (optind >= argc)
        return usage("name at least one CHECK");
    return 0;
}

/* ---- running ---- */

/* The reference model's run of job j (the same shape, the same server
 * seed), for the cpu check's ratio; NULL without a reference binary. */
static const struct obs *observe_reference(struct judge *jd, const struct job_shape *j)
{
    for (size_t k = 0; jd->reference && j->flavor == FLAVOR_PLAIN && k < jd->njobs; k++) {
        if (&jd->jobs[k] != j)
            continue;
        if (!jd->ref_obs[k].done && !jd->gave_up[0]) {
            jd->ref_obs[k].is_reference = 1;
            job_run(jd, j, &jd->ref_obs[k]);
        }
        return jd->ref_obs[k].done && jd->ref_obs[k].ended ? &jd->ref_obs[k] : NULL;
    }
    return NULL;
}

/* Stuck: in crawl_run at the time limit with nothing answered in its last
 * second, or after crawl_run and never exiting. A program still fetching
 * at the limit is slow, not stuck: the later jobs still run. */
static int hung(const struct obs *o)
{
    return (o->timed_out && !still_working(o)) || (o->ended && o->exit_code == -1 && !o->runaway);
}

/* A bomb would go off again in every job and slow the machine each time;
 * a program that hung twice would hang again: the later jobs are not run. */
static void give_up_after(struct judge *jd, const struct obs *o)
{
    static char first_hang[32];

    if (o->runaway) {
        snprintf(jd->gave_up, sizeof jd->gave_up,
                 "the judge stopped a runaway in the %s job (%d threads and processes alive, "
                 "burning CPU); a loop that calls fork() or pthread_create() again when it fails?",
                 o->job->name, o->runaway);
    } else if (hung(o) && ++jd->hung == 1) {
        snprintf(first_hang, sizeof first_hang, "%s", o->job->name);
    } else if (hung(o)) {
        snprintf(jd->gave_up, sizeof jd->gave_up,
                 "the program hung, or never exited, in the %s and %s jobs; the judge did not wait "
                 "for it again",
                 first_hang, o->job->name);
    }
}

/* The observation of a job, run once however many checks look at it. */
static struct obs *observe(struct judge *jd, const struct job_shape *j)
{
    for (size_t k = 0; k < jd->njobs; k++) {
        if (&jd->jobs[k] != j)
            continue;
        if (!jd->obs[k].done) {
            if (!jd->bin[j->flavor]) {
                snprintf(jd->obs[k].broken, sizeof jd->obs[k].broken,
                         "no %s build was given to the judge", flavor_name(j->flavor));
                jd->obs[k].done = 1;
            } else if (jd->gave_up[0]) {
                jd->obs[k] = (struct obs){.job = j, .done = 1, .exit_code = -1};
                snprintf(jd->obs[k].not_run, sizeof jd->obs[k].not_run, "%s", jd->gave_up);
            } else {
                job_run(jd, j, &jd->obs[k]);
                give_up_after(jd, &jd->obs[k]);
            }
        }
        return &jd->obs[k];
    }
    return NULL;
}

static int job_finished(const struct obs *o)
{
    return !o->broken[0] && o->ended && !o->timed_out && !o->runaway && !late_requests(o);
}

/* Did the server see a single page request in any job so far? The regular
 * job is always among them, so a file that does nothing earns nothing,
 * not the points of the checks that nothing-at-all would pass. */
static int fetched_anything(struct judge *jd)
{
    observe(jd, &jd->jobs[0]);
    for (size_t k = 0; k < jd->njobs; k++) {
        const struct obs *o = &jd->obs[k];

        if (o->done && (o->requests > 0 || o->aborted > 0 || o->fetched_max > 0))
            return 1;
    }
    return 0;
}

static void show_context(const struct judge *jd, const struct obs *o)
{
    if (!jd->verbose || !o || !o->output[0])
        return;
    printf("  | what the program printed in the %s job (context only):\n", o->job->name);
    for (const char *p = o->output; *p;) {
        size_t len = strcspn(p, "\n");

        printf("  | %.*s\n", (int)len, p);
        p += len + (p[len] == '\n');
    }
}

static void run_check(struct judge *jd, const char *name)
{
    const struct check *c = check_find(name);
    const char *skip = c ? not_applicable(c, jd->model) : NULL;
    struct verdict v = {.pass = 1};
    const struct obs *last = NULL;
    int judged = 0;

    if (!c) {
        printf("CHECK %s SKIP the judge has no such check\n", name);
        return;
    }
    if (skip) {
        printf("CHECK %s SKIP %s\n", name, skip);
        return;
    }
    for (size_t k = 0; k < NJOBS && v.pass; k++) {
        const struct job_shape *j = &jd->jobs[k];
        struct obs *o;

        if (!list_has(c->jobs, j->name) || !job_applies(j, jd->model))
            continue;
        o = observe(jd, j);
        if (!last)
            last = o;
        if (c->lenient && !job_finished(o))
            continue;
        judged++;
        if (c->judge == judge_cpu)
            o->ref = observe_reference(jd, j);
        c->judge(jd, o, &v);
        if (!v.pass)
            v.where = o;
    }
    if (v.pass && !judged) {
        v.pass = 0;
        v.where = last;
        snprintf(v.why, sizeof v.why,
                 "could not be checked: none of the jobs it looks at finished (see results)");
    }
    if (v.pass && !fetched_anything(jd)) {
        v.pass = 0;
        v.where = observe(jd, &jd->jobs[0]);
        snprintf(v.why, sizeof v.why,
                 "the program fetched nothing in any job: no check gives points for doing nothing");
    }
    if (v.pass) {
        printf("CHECK %s PASS\n", name);
    } else {
        printf("CHECK %s FAIL in the %s job (%s): %s\n", name, v.where->job->name,
               v.where->job->what, v.why);
        show_context(jd, v.where);
    }
    fflush(stdout);
}

/* What the judge measured, for a teacher who wants to see the margins. */
static void show_job(const struct obs *o)
{
    if (!o->done || o->broken[0])
        return;
    printf("JOB %-12s n=%d w=%d wall=%.3fs cpu=%.2fs peak=%ld requests=%ld exit=%d threads=%d->%d "
           "(at most %d) fds=%d->%d left=%d wakeups=%ld%s\n",
           o->job->name, o->n, o->w, o->wall_s, o->cpu_s, o->peak, o->requests, o->exit_code,
           o->tasks_before, o->tasks_after, o->threads_peak, o->nfds_before, o->nfds_after,
           o->procs_left, o->wakeups, o->is_reference ? " (the reference model)" : "");
}

static struct judge *g_judge; /* for the signal handler */

/* Ctrl-C or kill: stop the running job's sandbox and server at once. */
static void on_signal(int sig)
{
    if (g_judge)
        job_kill_all(g_judge);
    signal(sig, SIG_DFL);
    raise(sig);
}

int main(int argc, char **argv)
{
    static struct judge jd = {.sandbox_mode = 'a'};
    struct sigaction sa = {.sa_handler = on_signal};
    int rc;

    jd.obs = calloc(NJOBS, sizeof *jd.obs);
    jd.jobs = calloc(NJOBS, sizeof *jd.jobs);
    jd.ref_obs = calloc(NJOBS, sizeof *jd.ref_obs);
    if (!jd.obs || !jd.jobs || !jd.ref_obs) {
        fprintf(stderr, "grade-judge: out of memory\n");
        return 3;
    }
    if ((rc = parse_args(argc, argv, &jd)) != 0)
        return rc;
    /* A random seed by default: every grading meets shapes of its own. */
    if (!jd.has_seed && getrandom(&jd.seed, sizeof jd.seed, 0) != (ssize_t)sizeof jd.seed) {
        perror("grade-judge: getrandom");
        return 3;
    }
    jd.seed %= 1000000000000ul; /* short enough to type back in */
    jobs_draw(&jd);
    g_judge = &jd;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0 ||
        sigaction(SIGHUP, &sa, NULL) != 0) {
        perror("grade-judge: sigaction");
        return 3;
    }
    signal(SIGPIPE, SIG_IGN); /* a sandbox that closes its end is an observation */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) { /* the sandboxes' orphans come here */
        perror("grade-judge: prctl(PR_SET_CHILD_SUBREAPER)");
        return 3;
    }
    if ((rc = sandbox_choose(&jd)) != 0)
        return rc;
    printf("SANDBOX %s\nSEED %lu\n", jd.sandbox_note, jd.seed);
    for (int k = optind; k < argc; k++)
        run_check(&jd, argv[k]);
    for (size_t k = 0; k < jd.njobs; k++) {
        if (jd.verbose) {
            show_job(&jd.obs[k]);
            show_job(&jd.ref_obs[k]);
        }
        obs_free(&jd.obs[k]);
        obs_free(&jd.ref_obs[k]);
    }
    free(jd.obs);
    free(jd.jobs);
    free(jd.ref_obs);
    return 0;
}
