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

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the models the judge knows ---- */

static const struct model_spec MODELS[] = {
    {.name = "serial"},
    {.name = "threadpool", .pool = 1, .threads = 1},
    {.name = "multiprocess", .pool = 1, .forks = 1},
    {.name = "async", .pool = 1, .event_loop = 1},
    {.name = "hybrid", .pool = 1, .event_loop = 1, .forks = 1},
};

/* ---- the jobs ----
 * Irregular on purpose: N not a multiple of W, W = 1, W > N, failures on
 * more requests than workers, uneven delays. Serial runs fewer requests
 * (nserial) so its staircase stays short. */
static const struct job_shape JOBS[] = {
    /* name        flavor     n  nserial w  delay (ms)  timeout  fail ids  wrong  what */
    {"regular", FLAVOR_PLAIN, 24, 8, 8, 60, 60, 10000, "", "", 0, "24 requests on 8 workers"},
    {"ragged", FLAVOR_PLAIN, 23, 7, 5, 60, 60, 10000, "", "", 0,
     "23 requests on 5 workers (N not a multiple of W)"},
    {"one_worker", FLAVOR_PLAIN, 5, 5, 1, 40, 40, 10000, "", "", 0, "5 requests on 1 worker"},
    {"more_workers", FLAVOR_PLAIN, 5, 5, 9, 60, 60, 10000, "", "", 0,
     "5 requests on 9 workers (W > N)"},
    {"single", FLAVOR_PLAIN, 1, 1, 4, 40, 40, 10000, "", "", 0, "1 request on 4 workers"},
    {"empty", FLAVOR_PLAIN, 0, 0, 4, 40, 40, 10000, "", "", 0, "0 requests"},
    {"uneven", FLAVOR_PLAIN, 24, 0, 4, 50, 600, 10000, "", "", 0,
     "24 requests on 4 workers, each id delayed differently (50-600 ms)"},
    {"unlimited", FLAVOR_PLAIN, 40, 0, 0, 300, 300, 10000, "", "", 0,
     "40 requests with -w 0 (no limit)"},
    {"errors", FLAVOR_PLAIN, 13, 9, 4, 40, 40, 10000, "3,5,7,9,11", "", 0,
     "13 requests on 4 workers; ids 3, 5, 7, 9, 11 answer HTTP 500 (more than W)"},
    {"wrong", FLAVOR_PLAIN, 13, 9, 4, 40, 40, 10000, "", "5", 0,
     "13 requests on 4 workers; id 5 is answered with the page of another id"},
    {"refused", FLAVOR_PLAIN, 9, 4, 4, 0, 0, 10000, "", "", 1,
     "9 requests on 4 workers, nothing listening"},
    {"timeout", FLAVOR_PLAIN, 9, 4, 4, 3000, 3000, 150, "", "", 0,
     "9 requests on 4 workers, --timeout-ms 150, pages delayed 3 s"},
    /* 200: under the hooks' cap of 256 threads, so a thread per request
     * loses the limit check here, not every id past the cap */
    {"contention", FLAVOR_PLAIN, 200, 0, 16, 0, 2, 10000, "", "", 0,
     "200 requests on 16 workers, answered at once (the claims collide)"},
    {"asan_regular", FLAVOR_ASAN, 24, 8, 8, 40, 40, 10000, "", "", 0,
     "24 requests on 8 workers, AddressSanitizer build"},
    {"asan_faults", FLAVOR_ASAN, 13, 9, 4, 40, 40, 10000, "3,7,9,11", "5", 0,
     "13 requests with failures, AddressSanitizer build"},
    {"asan_timeout", FLAVOR_ASAN, 9, 4, 4, 3000, 3000, 150, "", "", 0,
     "9 requests that time out, AddressSanitizer build"},
    {"tsan_regular", FLAVOR_TSAN, 24, 8, 8, 40, 40, 10000, "", "", 0,
     "24 requests on 8 workers, ThreadSanitizer build"},
    {"tsan_ragged", FLAVOR_TSAN, 23, 7, 5, 40, 40, 10000, "", "", 0,
     "23 requests on 5 workers, ThreadSanitizer build"},
    {"tsan_faults", FLAVOR_TSAN, 13, 9, 4, 40, 40, 10000, "3,7,9,11", "5", 0,
     "13 requests with failures, ThreadSanitizer build (the error paths)"},
};
#define NJOBS (sizeof JOBS / sizeof JOBS[0])

/* Does this job apply to this model? */
static int job_applies(const struct job_shape *j, const struct model_spec *m)
{
    if (!m->pool && (strcmp(j->name, "uneven") == 0 || strcmp(j->name, "contention") == 0))
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
    {"results", "regular,ragged,contention", 0, judge_results},
    {"parallel", "regular,ragged", 0, judge_parallel},
    {"limit", "regular,ragged,one_worker,more_workers,uneven,contention,errors", 1, judge_limit},
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
    {"cpu", "uneven,regular", 1, judge_cpu},
    {"exclusion", "contention,regular,ragged", 1, judge_exclusion},
    {"memory", "asan_regular,asan_faults,asan_timeout", 1, judge_sanitizer},
    {"race", "tsan_regular,tsan_ragged,tsan_faults", 1, judge_sanitizer},
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
    printf("usage: grade-judge --model MODEL --server DELAY-SERVER --work DIR\n"
           "                   [--plain BIN] [--asan BIN] [--tsan BIN]\n"
           "                   [--sandbox auto|require|off] [--verbose] CHECK...\n"
           "Run a graded binary on the jobs the CHECKs need, each in a sandbox against\n"
           "its own delay-server, and print CHECK <name> PASS|FAIL <why>|SKIP <why>.\n"
           "Exit status: 0 the checks ran (whatever their verdicts), 2 bad usage,\n"
           "3 the judge itself could not work (no server, no work folder).\n");
}

static const struct model_spec *model_find(const char *name)
{
    for (size_t k = 0; k < sizeof MODELS / sizeof MODELS[0]; k++)
        if (strcmp(MODELS[k].name, name) == 0)
            return &MODELS[k];
    return NULL;
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
        {"model", required_argument, NULL, 'm'},   {"server", required_argument, NULL, 's'},
        {"work", required_argument, NULL, 'd'},    {"plain", required_argument, NULL, 'P'},
        {"asan", required_argument, NULL, 'A'},    {"tsan", required_argument, NULL, 'T'},
        {"sandbox", required_argument, NULL, 'x'}, {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            jd->model = model_find(optarg);
            if (!jd->model)
                return usage("unknown --model");
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
        case 'h':
            help();
            exit(0);
        default:
            return usage("unknown option or missing value");
        }
    }
    if (!jd->model || !jd->server || !jd->work)
        return usage("--model, --server and --work are required");
    if (optind >= argc)
        return usage("name at least one CHECK");
    return 0;
}

/* ---- running ---- */

/* Stuck: in crawl_run at the time limit, or after it and never exiting. */
static int hung(const struct obs *o)
{
    return o->timed_out || (o->ended && o->exit_code == -1 && !o->runaway);
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
    for (size_t k = 0; k < NJOBS; k++) {
        if (&JOBS[k] != j)
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
    observe(jd, &JOBS[0]);
    for (size_t k = 0; k < NJOBS; k++) {
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
        const struct job_shape *j = &JOBS[k];
        struct obs *o;

        if (!list_has(c->jobs, j->name) || !job_applies(j, jd->model))
            continue;
        o = observe(jd, j);
        if (!last)
            last = o;
        if (c->lenient && !job_finished(o))
            continue;
        judged++;
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
        v.where = observe(jd, &JOBS[0]);
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
           "fds=%d->%d left=%d\n",
           o->job->name, o->n, o->w, o->wall_s, o->cpu_s, o->peak, o->requests, o->exit_code,
           o->tasks_before, o->tasks_after, o->nfds_before, o->nfds_after, o->procs_left);
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
    if (!jd.obs) {
        fprintf(stderr, "grade-judge: out of memory\n");
        return 3;
    }
    if ((rc = parse_args(argc, argv, &jd)) != 0)
        return rc;
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
    printf("SANDBOX %s\n", jd.sandbox_note);
    for (int k = optind; k < argc; k++)
        run_check(&jd, argv[k]);
    for (size_t k = 0; k < NJOBS; k++) {
        if (jd.verbose)
            show_job(&jd.obs[k]);
        obs_free(&jd.obs[k]);
    }
    free(jd.obs);
    return 0;
}
