/* SPDX-License-Identifier: MIT */
/* contract.c -- the contract every model's crawl_run() keeps, checked
 * against private delay-servers. Linked with exactly one model file (the
 * grader links a student's file instead). Every check runs the model in a
 * forked child (contract_child.c) and prints one line the grader parses:
 *     CHECK <name> PASS | FAIL <reason> | SKIP <reason>
 * Usage: contract-MODEL [--model NAME] [--list] [CHECK]
 * --model judges the file as another model (a serial file handed in as a
 * thread pool is judged as a thread pool); CHECK runs that check alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "contract_child.h"
#include "server_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DELAY_MS      50   /* every page's delay: small, so the suite stays fast */
#define SLOW_DELAY_MS 3000 /* the timeout check's server: far past TIMEOUT_MS */
#define TIMEOUT_MS    100
#define SPARE_WORKERS 2  /* threads or processes beyond W that are not a mistake */
#define SPEC_N        -1 /* in a check's job: the model's standard n (or W) */
#define FAIL_ID_A     3  /* the faulty server answers these ids HTTP 500 */
#define FAIL_ID_B     7
#define WRONG_ID      5 /* ... and this one the page of id 6 */

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SLOWDOWN 2.0 /* sanitized code runs slower: wider margins, longer limits */
#else
#define SLOWDOWN 1.0
#endif

/* Sanitizer settings built in, so a bare run reports the way the checks
 * read it. Thread leaks are the threads_joined check's business. */
const char *__asan_default_options(void);
const char *__tsan_default_options(void);
const char *__asan_default_options(void)
{
    return "detect_leaks=1:abort_on_error=0";
}
const char *__tsan_default_options(void)
{
    return "report_thread_leaks=0:halt_on_error=0";
}

/* What the contract expects of a model, and its standard job. */
struct spec {
    const char *name;
    int n, nworkers;
    int serial;    /* one request at a time, whatever W says */
    int unlimited; /* nworkers 0 means all at once */
};

static const struct spec SPECS[] = {
    {"serial", 8, 1, 1, 0},
    {"threadpool", 24, 8, 0, 0},
    {"multiprocess", 24, 8, 0, 0},
    {"async", 24, 8, 0, 1},
};

/* The model the checks judge: chosen by main before cmocka calls the group
 * setup, which has no other way in. */
static const struct spec *g_spec;

/* What every check shares: started once by the group setup. */
struct bench {
    const struct spec *spec;
    struct server plain;  /* every page after DELAY_MS */
    struct server faulty; /* ids 3 and 7: HTTP 500; id 5: the page of id 6 */
    struct server slow;   /* every page after SLOW_DELAY_MS */
    int refused_fd;       /* bound, never listening: a connection is refused */
    char refused_url[64];
};

enum target { PLAIN, FAULTY, SLOW, REFUSED };
enum need { SAN_NONE, SAN_ADDRESS, SAN_THREAD, UNLIMITED };

/* One check's run: the job, the server's counters, what the child saw. */
struct ctx {
    const struct bench *b;
    const struct check *check;
    struct job job;
    struct server_stats st;
    struct run run;
};

typedef int judge_fn(const struct ctx *c, char *why, size_t size);

struct check {
    const char *name;
    enum target target;
    int n, nworkers; /* SPEC_N: the model's standard job */
    long timeout_ms;
    judge_fn *judge;
    enum need need;
};

/* ---- judging rows ---- */

enum want { WANT_OK, WANT_500, WANT_FAILED, WANT_ANY };

static enum want want_ok(int id)
{
    (void)id;
    return WANT_OK;
}

static enum want want_failed(int id)
{
    (void)id;
    return WANT_FAILED;
}

static enum want want_http_errors(int id)
{
    return id == FAIL_ID_A || id == FAIL_ID_B ? WANT_500 : id == WRONG_ID ? WANT_ANY : WANT_OK;
}

static enum want want_wrong_body(int id)
{
    return id == WRONG_ID ? WANT_FAILED : id == FAIL_ID_A || id == FAIL_ID_B ? WANT_ANY : WANT_OK;
}

static int is_not_run(const struct result *r)
{
    return strcmp(r->error, "not run") == 0;
}

/* Rows never filled, rows in the wrong place: the same reason whatever the
 * check wanted. 0, or -1 with why. */
static int rows_in_place(const struct ctx *c, char *why, size_t size)
{
    int n = c->job.n, not_run = 0;

    for (int i = 0; i < n; i++)
        not_run += is_not_run(&c->run.res[i]);
    if (not_run) {
        snprintf(why, size,
                 "%d of %d rows still say \"not run\" after crawl_run returned: every result "
                 "must reach the caller's res[] (a forked child's writes stay in its own copy)",
                 not_run, n);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (c->run.res[i].id != i + 1) {
            snprintf(why, size, "res[%d] holds id %d: the result for id i+1 belongs in res[i]", i,
                     c->run.res[i].id);
            return -1;
        }
    }
    return 0;
}

/* Row r against what was wanted of it; 0, or -1 with why. */
static int row_as_wanted(const struct result *r, enum want want, const char *unnoticed, char *why,
                         size_t size)
{
    if (want == WANT_OK && !result_ok(r))
        snprintf(why, size, "request %d failed: %s", r->id,
                 r->error[0] ? r->error : "no error text");
    else if (want == WANT_500 && r->status != 500)
        snprintf(why, size, "request %d: status %d in its row, but the server answered HTTP 500",
                 r->id, r->status);
    else if (want == WANT_500 && r->error[0] == '\0')
        snprintf(why, size, "request %d got HTTP 500 but its row has no error: a 500 is a failure",
                 r->id);
    else if (want == WANT_FAILED && r->error[0] == '\0')
        snprintf(why, size, unnoticed, r->id);
    else
        return 0;
    return -1;
}

static int rows_as_wanted(const struct ctx *c, enum want (*want)(int id), const char *unnoticed,
                          char *why, size_t size)
{
    if (rows_in_place(c, why, size) != 0)
        return -1;
    for (int i = 0; i < c->job.n; i++) {
        if (row_as_wanted(&c->run.res[i], want(i + 1), unnoticed, why, size) != 0)
            return -1;
    }
    return 0;
}

/* Each id fetched exactly once: a duplicate fetch shows at the server. */
static int fetched_once(const struct ctx *c, char *why, size_t size)
{
    if (c->st.requests == c->job.n)
        return 0;
    snprintf(why, size, "the server answered %lld page requests for %d ids: %s", c->st.requests,
             c->job.n,
             c->st.requests > c->job.n ? "some ids were fetched twice (a race on the next index?)"
                                       : "some requests were never sent");
    return -1;
}

/* ---- time and concurrency ---- */

static int workers_of(const struct ctx *c)
{
    int w = c->job.nworkers == 0 || c->job.nworkers > c->job.n ? c->job.n : c->job.nworkers;

    return c->b->spec->serial ? 1 : w;
}

/* The least time the job can take: ceil(n / W) waves of the server's delay,
 * which never answers early. */
static double ideal_s(const struct ctx *c)
{
    int w = workers_of(c);

    return w ? (double)((c->job.n + w - 1) / w) * DELAY_MS / 1000.0 : 0.0;
}

static double upper_s(const struct ctx *c)
{
    return ideal_s(c) * 1.5 + 0.5 * SLOWDOWN;
}

static int judge_results(const struct ctx *c, char *why, size_t size)
{
    if (rows_as_wanted(c, want_ok, "", why, size) != 0 || fetched_once(c, why, size) != 0)
        return -1;
    if (c->run.rc != 0) {
        snprintf(why, size, "crawl_run returned %d although every request succeeded", c->run.rc);
        return -1;
    }
    return 0;
}

static int judge_parallel(const struct ctx *c, char *why, size_t size)
{
    int w = workers_of(c);

    if (c->st.peak_in_flight < w && c->st.peak_in_flight <= 1)
        snprintf(why, size, "peak concurrency %lld with %d workers: the requests ran one at a time",
                 c->st.peak_in_flight, c->job.nworkers);
    else if (c->st.peak_in_flight < w)
        snprintf(why, size,
                 "peak concurrency %lld with %d workers: only that many requests ever overlapped",
                 c->st.peak_in_flight, c->job.nworkers);
    else if (c->run.wall_s > upper_s(c))
        snprintf(why, size,
                 "took %.2f s: %d requests of %d ms on %d workers should take about %.2f s",
                 c->run.wall_s, c->job.n, DELAY_MS, w, ideal_s(c));
    else
        return 0;
    return -1;
}

static int judge_limit(const struct ctx *c, char *why, size_t size)
{
    int w = workers_of(c), made = c->run.calls.threads_created + c->run.calls.forks;

    if (c->st.peak_in_flight > w)
        snprintf(why, size, "peak concurrency %lld with %d workers: the worker limit was ignored",
                 c->st.peak_in_flight, w);
    else if (made > w + SPARE_WORKERS)
        snprintf(why, size,
                 "%d threads or processes started for %d requests with %d workers: one per "
                 "request, not a pool of %d",
                 made, c->job.n, w, w);
    else if (c->run.wall_s < ideal_s(c))
        snprintf(why, size,
                 "took %.3f s, less than the %.3f s that %d requests of %d ms on %d workers need",
                 c->run.wall_s, ideal_s(c), c->job.n, DELAY_MS, w);
    else
        return 0;
    return -1;
}

static int judge_unlimited(const struct ctx *c, char *why, size_t size)
{
    if (c->st.peak_in_flight != c->job.n)
        snprintf(why, size,
                 "peak concurrency %lld with --workers 0 and %d requests: all of them should be "
                 "in flight at once",
                 c->st.peak_in_flight, c->job.n);
    else if (c->run.wall_s > upper_s(c))
        snprintf(why, size, "took %.2f s: %d requests all at once should take about %.2f s",
                 c->run.wall_s, c->job.n, ideal_s(c));
    else
        return 0;
    return -1;
}

/* ---- failures ---- */

static int judge_http_errors(const struct ctx *c, char *why, size_t size)
{
    return rows_as_wanted(c, want_http_errors, "", why, size);
}

static int judge_wrong_body(const struct ctx *c, char *why, size_t size)
{
    return rows_as_wanted(c, want_wrong_body,
                          "request %d got the page of another id and was counted a success: "
                          "check that the body names the id asked for (fetch_one does)",
                          why, size);
}

/* Failed rows, and a job that still ends promptly. */
static int judge_all_fail(const struct ctx *c, const char *unnoticed, double most_s, char *why,
                          size_t size)
{
    if (rows_as_wanted(c, want_failed, unnoticed, why, size) != 0)
        return -1;
    if (c->run.wall_s > most_s) {
        snprintf(why, size, "took %.2f s to fail %d requests: expected at most %.2f s",
                 c->run.wall_s, c->job.n, most_s);
        return -1;
    }
    return 0;
}

static int judge_refused(const struct ctx *c, char *why, size_t size)
{
    return judge_all_fail(c, "request %d has no error although nothing was listening",
                          2.0 * SLOWDOWN, why, size);
}

static int judge_timeout(const struct ctx *c, char *why, size_t size)
{
    int w = workers_of(c), waves = w ? (c->job.n + w - 1) / w : 0;

    return judge_all_fail(c,
                          "request %d has no error although the server answered after its timeout",
                          waves * TIMEOUT_MS / 1000.0 * 1.5 + 1.0 * SLOWDOWN, why, size);
}

/* ---- edge cases ---- */

static int judge_rows_ok(const struct ctx *c, char *why, size_t size)
{
    if (rows_as_wanted(c, want_ok, "", why, size) != 0 || fetched_once(c, why, size) != 0)
        return -1;
    return 0;
}

static int judge_empty(const struct ctx *c, char *why, size_t size)
{
    if (c->run.rc != 0)
        snprintf(why, size, "crawl_run returned %d for an empty job: nothing to do is a success",
                 c->run.rc);
    else if (c->st.requests != 0)
        snprintf(why, size, "the server answered %lld requests for an empty job", c->st.requests);
    else
        return 0;
    return -1;
}

/* ---- what is left behind ---- */

static int judge_threads_joined(const struct ctx *c, char *why, size_t size)
{
    const struct calls *k = &c->run.calls;
    int extra = c->run.after.threads - c->run.before.threads;

    if (extra > 0)
        snprintf(why, size, "%d threads still running after crawl_run returned: join them first",
                 extra);
    else if (k->threads_created > k->threads_joined + k->threads_detached)
        snprintf(why, size,
                 "%d threads started, %d joined: pthread_join every thread before crawl_run "
                 "returns",
                 k->threads_created, k->threads_joined);
    else
        return 0;
    return -1;
}

static int judge_children_reaped(const struct ctx *c, char *why, size_t size)
{
    if (c->run.after.zombies)
        snprintf(why, size, "%d children ended but were never waited for (zombies): waitpid each",
                 c->run.after.zombies);
    else if (c->run.after.alive)
        snprintf(why, size, "%d children still running after crawl_run returned: waitpid each",
                 c->run.after.alive);
    else
        return 0;
    return -1;
}

static int judge_fds_closed(const struct ctx *c, char *why, size_t size)
{
    int extra = c->run.after.fds - c->run.before.fds;

    if (extra <= 0)
        return 0;
    snprintf(why, size,
             "%d more file descriptors open after crawl_run than before: close every pipe end "
             "and socket you open",
             extra);
    return -1;
}

static int judge_easy_handles(const struct ctx *c, char *why, size_t size)
{
    const struct calls *k = &c->run.calls;

    if (k->easy_inits <= k->easy_cleanups)
        return 0;
    snprintf(why, size,
             "%d easy handles made, %d cleaned up: curl_easy_cleanup (fetch_cleanup) each one",
             k->easy_inits, k->easy_cleanups);
    return -1;
}

/* The sanitizer's own report is the judgement (see contract_run_problem). */
static int judge_sanitizer(const struct ctx *c, char *why, size_t size)
{
    (void)c, (void)why, (void)size;
    return 0;
}

/* ---- the checks, and running one ---- */

static const struct check CHECKS[] = {
    {"results", PLAIN, SPEC_N, SPEC_N, 30000, judge_results, SAN_NONE},
    {"parallel", PLAIN, SPEC_N, SPEC_N, 30000, judge_parallel, SAN_NONE},
    {"limit", PLAIN, SPEC_N, SPEC_N, 30000, judge_limit, SAN_NONE},
    {"unlimited", PLAIN, SPEC_N, 0, 30000, judge_unlimited, UNLIMITED},
    {"http_errors", FAULTY, 8, SPEC_N, 30000, judge_http_errors, SAN_NONE},
    {"wrong_body", FAULTY, 8, SPEC_N, 30000, judge_wrong_body, SAN_NONE},
    {"refused", REFUSED, 6, SPEC_N, 30000, judge_refused, SAN_NONE},
    {"timeout", SLOW, 8, SPEC_N, TIMEOUT_MS, judge_timeout, SAN_NONE},
    {"empty", PLAIN, 0, SPEC_N, 30000, judge_empty, SAN_NONE},
    {"single", PLAIN, 1, SPEC_N, 30000, judge_rows_ok, SAN_NONE},
    {"one_worker", PLAIN, 5, 1, 30000, judge_rows_ok, SAN_NONE},
    {"more_workers", PLAIN, 5, 16, 30000, judge_rows_ok, SAN_NONE},
    {"threads_joined", PLAIN, SPEC_N, SPEC_N, 30000, judge_threads_joined, SAN_NONE},
    {"children_reaped", PLAIN, SPEC_N, SPEC_N, 30000, judge_children_reaped, SAN_NONE},
    {"fds_closed", PLAIN, SPEC_N, SPEC_N, 30000, judge_fds_closed, SAN_NONE},
    {"easy_handles", PLAIN, SPEC_N, SPEC_N, 30000, judge_easy_handles, SAN_NONE},
    {"memory", PLAIN, SPEC_N, SPEC_N, 30000, judge_sanitizer, SAN_ADDRESS},
    {"race", PLAIN, SPEC_N, SPEC_N, 30000, judge_sanitizer, SAN_THREAD},
};
#define NCHECKS (sizeof CHECKS / sizeof CHECKS[0])

static const struct check *check_find(const char *name)
{
    for (size_t k = 0; k < NCHECKS; k++) {
        if (strcmp(CHECKS[k].name, name) == 0)
            return &CHECKS[k];
    }
    return NULL;
}

/* Why a check does not apply to this model in this build, or NULL. */
static const char *not_applicable(const struct check *chk, const struct spec *spec)
{
    int asan = 0, tsan = 0;

#ifdef __SANITIZE_ADDRESS__
    asan = 1;
#endif
#ifdef __SANITIZE_THREAD__
    tsan = 1;
#endif
    if (chk->need == UNLIMITED && !spec->unlimited)
        return "only a model that takes --workers 0";
    if (chk->need == SAN_ADDRESS && !asan)
        return "needs a build with -DSANITIZE=address,undefined";
    if (chk->need == SAN_THREAD && !tsan)
        return "needs a build with -DSANITIZE=thread";
    return NULL;
}

static const struct server *server_of(const struct bench *b, enum target t)
{
    return t == PLAIN ? &b->plain : t == FAULTY ? &b->faulty : t == SLOW ? &b->slow : NULL;
}

/* Let requests of an earlier, killed run finish, then zero the counters. */
static int server_quiet(const struct server *s)
{
    struct server_stats st;

    for (int tries = 0; tries < 100; tries++) {
        if (server_stats(s, &st, 0) != 0)
            return -1;
        if (st.in_flight == 0)
            break;
        usleep(20000);
    }
    return server_stats(s, &st, 1);
}

static void job_for(const struct bench *b, const struct check *chk, struct job *job)
{
    const struct server *s = server_of(b, chk->target);

    job->base_url = s ? s->url : b->refused_url;
    job->n = chk->n == SPEC_N ? b->spec->n : chk->n;
    job->nworkers = chk->nworkers == SPEC_N ? b->spec->nworkers : chk->nworkers;
    job->timeout_ms = chk->timeout_ms;
}

/* Generous: a hang is the only thing this limit should catch. */
static double limit_for(const struct ctx *c)
{
    int w = workers_of(c);
    int waves = w ? (c->job.n + w - 1) / w : 0;
    long per = c->check->target == SLOW ? c->job.timeout_ms : DELAY_MS;

    return (waves * per / 1000.0 * 4 + 3.0) * SLOWDOWN;
}

/* Up to 12 lines of what the child printed, each marked as its output. */
static void show_output(const char *out)
{
    int lines = 0;

    while (*out && lines++ < 12) {
        int len = (int)strcspn(out, "\n");

        printf("  | %.*s\n", len > 200 ? 200 : len, out);
        out += len + (out[len] == '\n');
    }
}

static void verdict(const struct check *chk, const char *why, const struct run *run)
{
    if (!why) {
        printf("CHECK %s PASS\n", chk->name);
        return;
    }
    if (run && run->output[0])
        show_output(run->output);
    printf("CHECK %s FAIL %s\n", chk->name, why);
    fflush(stdout);
    fail_msg("%s", why);
}

/* Run the check's job in a child and judge it: how the child ended first,
 * then the check's own judge. */
static void check_run(const struct bench *b, const char *name)
{
    const struct check *chk = check_find(name);
    const struct server *s = server_of(b, chk->target);
    const char *skip_why = not_applicable(chk, b->spec);
    struct ctx c = {.b = b, .check = chk};
    char why[512];
    const char *problem = NULL;

    if (skip_why) {
        printf("CHECK %s SKIP %s\n", name, skip_why);
        skip();
    }
    job_for(b, chk, &c.job);
    if (s && server_quiet(s) != 0)
        problem = "internal: the delay-server did not answer /stats";
    else if (contract_run(&c.job, limit_for(&c), &c.run) != 0)
        problem = "internal: could not fork the child to run crawl_run";
    else if (!(problem = contract_run_problem(&c.run, why, sizeof why)) && s &&
             server_stats(s, &c.st, 0) != 0)
        problem = "internal: the delay-server did not answer /stats";
    else if (!problem && chk->judge(&c, why, sizeof why) != 0)
        problem = why;
    verdict(chk, problem, &c.run);
    contract_run_free(&c.run);
}

/* ---- the servers ---- */

/* A socket bound to a port but never listening: connecting gets refused,
 * and while it is bound no other socket can take the port. */
static int refused_open(struct bench *b)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;

    b->refused_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (b->refused_fd < 0 || bind(b->refused_fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        getsockname(b->refused_fd, (struct sockaddr *)&sa, &len) != 0)
        return -1;
    snprintf(b->refused_url, sizeof b->refused_url, "http://127.0.0.1:%d", ntohs(sa.sin_port));
    return 0;
}

static int bench_stop(void **state)
{
    struct bench *b = *state;

    if (!b)
        return 0;
    server_stop(&b->plain);
    server_stop(&b->faulty);
    server_stop(&b->slow);
    if (b->refused_fd >= 0)
        close(b->refused_fd);
    free(b);
    return 0;
}

static int bench_start(void **state)
{
    static const char *const plain[] = {"--delay-ms", "50", NULL};
    static const char *const faulty[] = {"--delay-ms",  "50", "--fail-ids", "3,7",
                                         "--wrong-ids", "5",  NULL};
    static const char *const slow[] = {"--delay-ms", "3000", NULL};
    struct bench *b = calloc(1, sizeof *b);

    *state = b;
    if (!b)
        return -1;
    b->spec = g_spec;
    b->refused_fd = -1;
    if (server_start(&b->plain, plain) != 0 || server_start(&b->faulty, faulty) != 0 ||
        server_start(&b->slow, slow) != 0 || refused_open(b) != 0) {
        fprintf(stderr, "contract: could not start the delay-servers\n");
        bench_stop(state);
        *state = NULL;
        return -1;
    }
    return 0;
}

/* ---- the tests: one per check ---- */

static void test_contract_results(void **state)
{
    check_run(*state, "results");
}
static void test_contract_parallel(void **state)
{
    check_run(*state, "parallel");
}
static void test_contract_limit(void **state)
{
    check_run(*state, "limit");
}
static void test_contract_unlimited(void **state)
{
    check_run(*state, "unlimited");
}
static void test_contract_http_errors(void **state)
{
    check_run(*state, "http_errors");
}
static void test_contract_wrong_body(void **state)
{
    check_run(*state, "wrong_body");
}
static void test_contract_refused(void **state)
{
    check_run(*state, "refused");
}
static void test_contract_timeout(void **state)
{
    check_run(*state, "timeout");
}
static void test_contract_empty(void **state)
{
    check_run(*state, "empty");
}
static void test_contract_single(void **state)
{
    check_run(*state, "single");
}
static void test_contract_one_worker(void **state)
{
    check_run(*state, "one_worker");
}
static void test_contract_more_workers(void **state)
{
    check_run(*state, "more_workers");
}
static void test_contract_threads_joined(void **state)
{
    check_run(*state, "threads_joined");
}
static void test_contract_children_reaped(void **state)
{
    check_run(*state, "children_reaped");
}
static void test_contract_fds_closed(void **state)
{
    check_run(*state, "fds_closed");
}
static void test_contract_easy_handles(void **state)
{
    check_run(*state, "easy_handles");
}
static void test_contract_memory(void **state)
{
    check_run(*state, "memory");
}
static void test_contract_race(void **state)
{
    check_run(*state, "race");
}

static const struct spec *spec_find(const char *name)
{
    for (size_t k = 0; k < sizeof SPECS / sizeof SPECS[0]; k++) {
        if (strcmp(SPECS[k].name, name) == 0)
            return &SPECS[k];
    }
    return NULL;
}

/* --list: the checks that apply to the model in this build. */
static void list_checks(const struct spec *spec)
{
    for (size_t k = 0; k < NCHECKS; k++) {
        if (!not_applicable(&CHECKS[k], spec))
            printf("%s\n", CHECKS[k].name);
    }
}

/* argv: [--model NAME] [--list] [CHECK]: set g_spec and the test filter.
 * -1 to run the tests, or the exit status (0 after --list, 2 bad usage). */
static int choose(int argc, char **argv)
{
    static char filter[64]; /* cmocka keeps the pointer */
    const char *model = MODEL.name, *only = NULL;
    int list = 0;

    for (int k = 1; k < argc; k++) {
        if (strcmp(argv[k], "--model") == 0 && k + 1 < argc)
            model = argv[++k];
        else if (strcmp(argv[k], "--list") == 0)
            list = 1;
        else if (argv[k][0] != '-' && !only)
            only = argv[k];
        else {
            fprintf(stderr, "usage: %s [--model NAME] [--list] [CHECK]\n", argv[0]);
            return 2;
        }
    }
    if (!(g_spec = spec_find(model))) {
        fprintf(stderr,
                "contract: unknown model \"%s\": serial, threadpool, multiprocess or async\n",
                model);
        return 2;
    }
    if (only && !check_find(only)) {
        fprintf(stderr, "contract: unknown check \"%s\"; see --list\n", only);
        return 2;
    }
    if (list)
        list_checks(g_spec);
    if (only)
        snprintf(filter, sizeof filter, "test_contract_%s", only);
    if (only)
        cmocka_set_test_filter(filter);
    return list ? 0 : -1;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contract_results),
        cmocka_unit_test(test_contract_parallel),
        cmocka_unit_test(test_contract_limit),
        cmocka_unit_test(test_contract_unlimited),
        cmocka_unit_test(test_contract_http_errors),
        cmocka_unit_test(test_contract_wrong_body),
        cmocka_unit_test(test_contract_refused),
        cmocka_unit_test(test_contract_timeout),
        cmocka_unit_test(test_contract_empty),
        cmocka_unit_test(test_contract_single),
        cmocka_unit_test(test_contract_one_worker),
        cmocka_unit_test(test_contract_more_workers),
        cmocka_unit_test(test_contract_threads_joined),
        cmocka_unit_test(test_contract_children_reaped),
        cmocka_unit_test(test_contract_fds_closed),
        cmocka_unit_test(test_contract_easy_handles),
        cmocka_unit_test(test_contract_memory),
        cmocka_unit_test(test_contract_race),
    };
    int rc = choose(argc, argv);

    if (rc >= 0)
        return rc;
    if (contract_init() != 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "contract: cannot set up the test process\n");
        return 1;
    }
    rc = cmocka_run_group_tests_name(g_spec->name, tests, bench_start, bench_stop);
    curl_global_cleanup();
    return rc;
}
