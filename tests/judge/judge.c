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
#include "sandbox.h"

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
 * grade.sh passes on: its name (for the reasons), its means of concurrency
 * (none, threads, forks, loop, forks+loop) and, as "+frontier" after them,
 * whether its schedule is frontier (list pages lead to details: the
 * frontier jobs are its jobs, and only its). */

static struct model_spec model_spec;

int model_has(const struct model_spec *m, unsigned traits)
{
    unsigned has = (m->pool ? MODEL_POOL : 0) | (m->threads ? MODEL_THREADS : 0) |
                   (m->forks ? MODEL_FORKS : 0) | (m->event_loop ? MODEL_LOOP : 0) |
                   (m->frontier ? MODEL_FRONTIER : 0);

    return (has & traits) == traits;
}

/* MEANS[+frontier]: "threads", "forks+loop+frontier", ... */
static int model_set_means(struct model_spec *m, const char *arg)
{
    static const char *const known[] = {"none", "threads", "forks", "loop", "forks+loop"};
    static const char suffix[] = "+frontier";
    char means[32];
    size_t len = strlen(arg);
    int ok = 0;

    m->frontier = len > strlen(suffix) && strcmp(arg + len - strlen(suffix), suffix) == 0;
    snprintf(means, sizeof means, "%.*s", (int)(m->frontier ? len - strlen(suffix) : len), arg);
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

/* ---- the builds ----
 * The flags of each build are tests/judge.cmake's (it builds the driver's
 * library of each), handed to the judge as it is compiled, so grade.sh
 * compiles a submission with the same ones (--list). */

#if !defined(GRADED_FLAGS_PLAIN) || !defined(GRADED_FLAGS_ASAN) || !defined(GRADED_FLAGS_TSAN) ||  \
    !defined(GRADED_WRAPS)
#error "tests/judge.cmake defines GRADED_FLAGS_PLAIN, _ASAN, _TSAN and GRADED_WRAPS"
#endif

static const struct {
    const char *key, *name, *flags;
} FLAVORS[FLAVOR_COUNT] = {
    [FLAVOR_PLAIN] = {"plain", "plain", GRADED_FLAGS_PLAIN},
    [FLAVOR_ASAN] = {"asan", "AddressSanitizer", GRADED_FLAGS_ASAN},
    [FLAVOR_TSAN] = {"tsan", "ThreadSanitizer", GRADED_FLAGS_TSAN},
};

const char *flavor_name(enum flavor f)
{
    return FLAVORS[f].name;
}

const char *flavor_key(enum flavor f)
{
    return FLAVORS[f].key;
}

/* The job kind called name, or NULL. */
static const struct job_kind *job_kind_find(const char *name)
{
    for (size_t k = 0; k < NJOB_KINDS; k++)
        if (strcmp(JOB_KINDS[k].name, name) == 0)
            return &JOB_KINDS[k];
    return NULL;
}

/* --list: what grade.sh needs of the registry, one item a line:
 *   FLAVOR KEY FLAGS...     a build and its compiler flags
 *   WRAPS NAME...           the calls hooks.c stands in for (ld --wrap)
 *   CHECK NAME KEY[,KEY]    a check and the builds its jobs run in
 *   JOB NAME KEY            a kind of job and its build
 * The one registry: the jobs and checks of both schedules (a check both
 * have needs the builds of its jobs of either). */
static void list_registry(void)
{
    for (int f = 0; f < FLAVOR_COUNT; f++)
        printf("FLAVOR %s %s\n", FLAVORS[f].key, FLAVORS[f].flags);
    printf("WRAPS %s\n", GRADED_WRAPS);
    for (size_t c = 0; c < NCHECKS; c++) {
        int uses[FLAVOR_COUNT] = {0}, shown = 0;

        for (size_t k = 0; k < NJOB_KINDS; k++)
            if (list_has(CHECKS[c].jobs, JOB_KINDS[k].name))
                uses[JOB_KINDS[k].flavor] = 1;
        printf("CHECK %s ", CHECKS[c].name);
        for (int f = 0; f < FLAVOR_COUNT; f++)
            if (uses[f])
                printf("%s%s", shown++ ? "," : "", FLAVORS[f].key);
        printf("\n");
    }
    for (size_t k = 0; k < NJOB_KINDS; k++)
        printf("JOB %s %s\n", JOB_KINDS[k].name, FLAVORS[JOB_KINDS[k].flavor].key);
}

/* Every check names jobs the registry has: a typo there would make a
 * check judge nothing. 0, or -1 (said on stderr). */
static int registry_ok(void)
{
    for (size_t c = 0; c < NCHECKS; c++) {
        const char *p = CHECKS[c].jobs;

        while (*p) {
            size_t len = strcspn(p, ",");
            char name[64];

            snprintf(name, sizeof name, "%.*s", (int)len, p);
            if (!job_kind_find(name)) {
                fprintf(stderr, "grade-judge: the check %s names no job %s\n", CHECKS[c].name,
                        name);
                return -1;
            }
            p += len + (p[len] == ',');
        }
    }
    return 0;
}

/* ---- command line ---- */

static void help(void)
{
    printf("usage: grade-judge --model MODEL --means MEANS[+frontier] --server DELAY-SERVER\n"
           "                   --work DIR [--plain BIN] [--asan BIN] [--tsan BIN]\n"
           "                   [--sandbox auto|require|off] [--seed N] [--reference BIN]\n"
           "                   [--lanes N] [--verbose] CHECK...\n"
           "       grade-judge --list\n"
           "Run a graded binary on the jobs the CHECKs need, each in a sandbox against\n"
           "its own delay-server, and print CHECK <name> PASS|FAIL <why>|SKIP <why>.\n"
           "MEANS is none, threads, forks, loop or forks+loop; +frontier says the\n"
           "model's schedule is frontier (--pages: list pages lead to details).\n"
           "One registry holds the jobs and checks of both schedules: a model runs\n"
           "only its schedule's jobs (classic: -n N; frontier: --pages L), a check\n"
           "both have judges either's, and a check of the other schedule is skipped.\n"
           "The jobs' shapes are drawn from --seed (default: a random one), printed\n"
           "first as SEED N, so a grading can be replayed. --lanes N runs up to N jobs\n"
           "at once (1 to 4; default 1), each in its own sandbox against its own\n"
           "server: the verdicts are the same, the grading shorter. --list prints the builds\n"
           "(FLAVOR KEY FLAGS), the wrapped calls (WRAPS), the checks with the builds\n"
           "they need (CHECK NAME KEYS) and the jobs (JOB NAME KEY), and exits.\n"
           "Exit status: 0 the checks ran (whatever their verdicts), 2 bad usage,\n"
           "3 the judge itself could not work (no server, no work folder).\n");
}

const struct check *check_find(const char *name)
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
        {"lanes", required_argument, NULL, 'L'},
        {"list", no_argument, NULL, 'l'},
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
                return usage("--means is none, threads, forks, loop or forks+loop, "
                             "and +frontier for a frontier variant");
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
        case 'L':
            if (strlen(optarg) != 1 || optarg[0] < '1' || optarg[0] > '0' + JUDGE_LANES_MAX)
                return usage("--lanes is 1, 2, 3 or 4");
            jd->nlanes = optarg[0] - '0';
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
        case 'l':
            list_registry();
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
            job_run(jd, &jd->lanes[0], j, &jd->ref_obs[k]);
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
void give_up_after(struct judge *jd, const struct obs *o)
{
    if (o->runaway) {
        snprintf(jd->gave_up, sizeof jd->gave_up,
                 "the judge stopped a runaway in the %s job (%d threads and processes alive, "
                 "burning CPU); a loop that calls fork() or pthread_create() again when it fails?",
                 o->job->name, o->runaway);
    } else if (hung(o) && ++jd->hung == 1) {
        snprintf(jd->first_hang, sizeof jd->first_hang, "%s", o->job->name);
    } else if (hung(o)) {
        snprintf(jd->gave_up, sizeof jd->gave_up,
                 "the program hung, or never exited, in the %s and %s jobs; the judge did not wait "
                 "for it again",
                 jd->first_hang, o->job->name);
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
                job_run(jd, &jd->lanes[0], j, &jd->obs[k]);
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

/* The first job of this model's schedule: regular, or a frontier
 * variant's lists (each its schedule's first, for every model). */
const struct job_shape *first_job(const struct judge *jd)
{
    for (size_t k = 0; k < jd->njobs; k++)
        if (job_applies(&jd->jobs[k], jd->model))
            return &jd->jobs[k];
    return &jd->jobs[0];
}

/* Did the server see a single page request in any job so far? The first
 * job is always among them, so a file that does nothing earns nothing,
 * not the points of the checks that nothing-at-all would pass. */
static int fetched_anything(struct judge *jd)
{
    observe(jd, first_job(jd));
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

/* Does check c name a job of this model's schedule? A classic model's
 * check has nothing to judge in a frontier variant, and the other way. */
int for_schedule(const struct judge *jd, const struct check *c)
{
    for (size_t k = 0; k < jd->njobs; k++)
        if (list_has(c->jobs, jd->jobs[k].name) && job_for_schedule(jd->jobs[k].kind, jd->model))
            return 1;
    return 0;
}

/* Did the model's own workers fetch, in the first job of the regular kind
 * (if it applies)? A file whose pages came from another process than its
 * model's (a parent fetching beside idle children) is another model in
 * this one's clothes: no check gives it a point. */
static const char *gate(struct judge *jd)
{
    const struct check right = {.name = "right_process", .judge = judge_right_process};

    if (jd->gate_done++)
        return jd->gate_why[0] ? jd->gate_why : NULL;
    for (size_t k = 0; k < jd->njobs; k++) {
        struct verdict v = {.pass = 1};
        const struct obs *o;

        if (!jd->jobs[k].kind->gate || !job_applies(&jd->jobs[k], jd->model))
            continue;
        o = observe(jd, &jd->jobs[k]);
        if (job_finished(o))
            right.judge(jd, o, &v);
        if (!v.pass)
            snprintf(jd->gate_why, sizeof jd->gate_why, "in the %s job: %.360s", jd->jobs[k].name,
                     v.why);
        break;
    }
    return jd->gate_why[0] ? jd->gate_why : NULL;
}

static void run_check(struct judge *jd, const char *name)
{
    const struct check *c = check_find(name);
    const char *skip = c && !model_has(jd->model, c->needs) ? c->skip : NULL;
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
    if (gate(jd)) {
        printf("CHECK %s FAIL not judged: not the %s model: %s\n", name, jd->model->name, gate(jd));
        return;
    }
    if (!for_schedule(jd, c)) {
        printf("CHECK %s SKIP none of its jobs is for a %s model\n", name,
               jd->model->frontier ? "frontier" : "classic");
        return;
    }
    for (size_t k = 0; k < jd->njobs && v.pass; k++) {
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
        if (c->reference && !(c->settled && c->settled(o)))
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
        v.where = observe(jd, first_job(jd));
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
    static struct judge jd = {.sandbox_mode = 'a', .nlanes = 1};
    struct sigaction sa = {.sa_handler = on_signal};
    int rc;

    jd.obs = calloc(NJOB_KINDS, sizeof *jd.obs);
    jd.jobs = calloc(NJOB_KINDS, sizeof *jd.jobs);
    jd.ref_obs = calloc(NJOB_KINDS, sizeof *jd.ref_obs);
    if (!jd.obs || !jd.jobs || !jd.ref_obs) {
        fprintf(stderr, "grade-judge: out of memory\n");
        return 3;
    }
    if (registry_ok() != 0)
        return 3;
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
    fflush(stdout);
#ifdef JUDGE_LANES
    if (jd.nlanes > 1 && lanes_watch_signals(&jd) != 0)
        jd.nlanes = 1; /* one job at a time: on_signal is safe there */
    if (jd.nlanes > 1)
        lanes_run(&jd, argv + optind, argc - optind);
#else
    jd.nlanes = 1; /* a copy without lanes.c (a thread pool's handout): one job at a time */
#endif
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
