/* SPDX-License-Identifier: MIT */
/* hooks.c -- linked into a graded binary only (ld --wrap=SYMBOL, see
 * tests/grade.sh): counts the model's threads, forks and easy handles into
 * the page judged.c shares with the judge, caps runaway thread and process
 * creation, routes every transfer through the judge's delay-server socket
 * (the sandbox has no other way out) over http only, and notes a forked worker that takes
 * a lock in memory its siblings cannot see (a lock that excludes nobody).
 * The driver's call of crawl_run comes here first (tests/judge.cmake builds
 * driver.c with crawl_run named judged_crawl_run): the judge looks at the
 * process before and after the call (judged.c's "ready" and "end"), and in
 * the jobs that ask for it the caller has a child of its own, or calls
 * crawl_run twice. */
#define CURL_DISABLE_DEPRECATION /* CURLOPT_PROTOCOLS: narrowed to http below */
#include "judged.h"

#undef crawl_run /* this file calls the model's own */
int crawl_run(const struct job *job, struct result *res);
int judged_crawl_run(const struct job *job, struct result *res);

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define RUNAWAY_TASKS 256 /* threads or forks: a pool this large is a bomb */
#define KNOWN_LOCKS   64  /* lock addresses remembered as shared or private */
#define CALLER_KID_S  4   /* the caller's own child lives this long: a wait(NULL) returns */

int __real_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);
int __real_pthread_join(pthread_t t, void **ret);
int __real_pthread_detach(pthread_t t);
pid_t __real_fork(void);
CURL *__real_curl_easy_init(void);
CURL *__real_curl_easy_duphandle(CURL *easy);
void __real_curl_easy_cleanup(CURL *easy);
CURLcode __real_curl_easy_perform(CURL *easy);
void __real_curl_easy_reset(CURL *easy);
CURLcode __real_curl_easy_setopt(CURL *easy, CURLoption option, ...);
CURLMcode __real_curl_multi_add_handle(CURLM *multi, CURL *easy);
int __real_pthread_mutex_lock(pthread_mutex_t *m);
int __real_pthread_mutex_unlock(pthread_mutex_t *m);
int __real_sem_post(sem_t *s);
int __real_pthread_mutex_trylock(pthread_mutex_t *m);
int __real_sem_wait(sem_t *s);
int __real_sem_trywait(sem_t *s);
int __real_sem_timedwait(sem_t *s, const struct timespec *t);

static int in_forked_worker;           /* set in the child of every fork */
static long spawn_cap = RUNAWAY_TASKS; /* JUDGE_SPAWN_CAP: the spawn_fails job's, lower */
static int jitter;                     /* JUDGE_JITTER: a pause after every release of a lock */

static void count(long *field)
{
    if (judged_calls)
        __atomic_fetch_add(field, 1, __ATOMIC_RELAXED);
}

/* Past the cap, refuse as a process limit would (EAGAIN). Threads and
 * forks count together: either is a task under RLIMIT_NPROC. */
static int over_cap(long *field)
{
    long tasks;

    if (!judged_calls)
        return 0;
    __atomic_add_fetch(field, 1, __ATOMIC_RELAXED);
    tasks = __atomic_load_n(&judged_calls->threads_created, __ATOMIC_RELAXED) +
            __atomic_load_n(&judged_calls->forks, __ATOMIC_RELAXED);
    return tasks > spawn_cap;
}

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
    int rc;

    if (judged_calls && over_cap(&judged_calls->threads_created))
        return EAGAIN;
    rc = __real_pthread_create(t, a, fn, arg);
    if (rc == 0 && judged_calls)
        count(&judged_calls->threads_started);
    return rc;
}

/* A detached thread needs no join: it is not counted as forgotten. */
int __wrap_pthread_detach(pthread_t t)
{
    int rc = __real_pthread_detach(t);

    if (rc == 0 && judged_calls)
        count(&judged_calls->threads_detached);
    return rc;
}

int __wrap_pthread_join(pthread_t t, void **ret)
{
    int rc = __real_pthread_join(t, ret);

    if (rc == 0 && judged_calls)
        count(&judged_calls->threads_joined);
    return rc;
}

pid_t __wrap_fork(void)
{
    pid_t pid;

    if (judged_calls && over_cap(&judged_calls->forks)) {
        errno = EAGAIN;
        return -1;
    }
    pid = __real_fork();
    if (pid == 0)
        in_forked_worker = 1;
    return pid;
}

/* Every handle speaks http and nothing else, for its whole life: curl
 * reads no file (file:///proc/self/maps would tell a program which build
 * it is in, so it could behave only where a sanitizer watches). */
static void http_only(CURL *easy)
{
    if (easy) {
        (void)__real_curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http");
        (void)__real_curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http");
    }
}

CURL *__wrap_curl_easy_init(void)
{
    CURL *easy = __real_curl_easy_init();

    if (easy && judged_calls)
        count(&judged_calls->easy_inits);
    http_only(easy);
    return easy;
}

CURL *__wrap_curl_easy_duphandle(CURL *easy)
{
    CURL *copy = __real_curl_easy_duphandle(easy);

    if (copy && judged_calls)
        count(&judged_calls->easy_inits);
    http_only(copy);
    return copy;
}

void __wrap_curl_easy_reset(CURL *easy)
{
    __real_curl_easy_reset(easy);
    http_only(easy);
}

/* Every option passed on as its type (curl numbers its options by the
 * type of their value), but a list of protocols is narrowed to http. */
CURLcode __wrap_curl_easy_setopt(CURL *easy, CURLoption option, ...)
{
    CURLcode rc;
    va_list ap;

    va_start(ap, option);
    if (option == CURLOPT_PROTOCOLS_STR || option == CURLOPT_REDIR_PROTOCOLS_STR)
        rc = __real_curl_easy_setopt(easy, option, "http"); /* any list: http only */
    else if (option == CURLOPT_PROTOCOLS || option == CURLOPT_REDIR_PROTOCOLS)
        rc = __real_curl_easy_setopt(easy, option, (long)CURLPROTO_HTTP);
    else if (option < CURLOPTTYPE_OBJECTPOINT)
        rc = __real_curl_easy_setopt(easy, option, va_arg(ap, long));
    else if (option < CURLOPTTYPE_FUNCTIONPOINT)
        rc = __real_curl_easy_setopt(easy, option, va_arg(ap, void *));
    else if (option < CURLOPTTYPE_OFF_T)
        rc = __real_curl_easy_setopt(easy, option, va_arg(ap, void (*)(void)));
    else if (option < CURLOPTTYPE_BLOB)
        rc = __real_curl_easy_setopt(easy, option, va_arg(ap, curl_off_t));
    else
        rc = __real_curl_easy_setopt(easy, option, va_arg(ap, void *));
    va_end(ap);
    return rc;
}

void __wrap_curl_easy_cleanup(CURL *easy)
{
    if (easy && judged_calls)
        count(&judged_calls->easy_cleanups);
    __real_curl_easy_cleanup(easy);
}

/* The sandbox's only way to the server is the judge's unix socket; a
 * transfer that fails to take it fails visibly, so the result is unused. */
static void route_to_judge(CURL *easy)
{
    const char *path = getenv("JUDGE_UNIX_SOCKET");

    if (easy && path)
        (void)__real_curl_easy_setopt(easy, CURLOPT_UNIX_SOCKET_PATH, path);
}

CURLcode __wrap_curl_easy_perform(CURL *easy)
{
    route_to_judge(easy);
    return __real_curl_easy_perform(easy);
}

CURLMcode __wrap_curl_multi_add_handle(CURLM *multi, CURL *easy)
{
    route_to_judge(easy);
    return __real_curl_multi_add_handle(multi, easy);
}

/* ---- locks taken by forked workers ---- */

/* Is addr in a mapping shared with other processes ('s' in /proc/self/maps)? */
static int in_shared_mapping(const void *addr)
{
    uintptr_t a = (uintptr_t)addr;
    char line[512], perms[8];
    unsigned long lo, hi;
    int shared = 0;
    FILE *maps = fopen("/proc/self/maps", "r");

    if (!maps)
        return 1; /* cannot tell: assume the best */
    while (fgets(line, sizeof line, maps)) {
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && a >= lo && a < hi) {
            shared = perms[3] == 's';
            break;
        }
    }
    fclose(maps);
    return shared;
}

/* Every lock taken is counted (the judge compares the builds); in a
 * forked worker, each lock address is looked up once per process. */
static void note_lock(const void *addr)
{
    static const void *seen[KNOWN_LOCKS];
    static int nseen;

    if (judged_calls)
        count(&judged_calls->locks_taken);
    if (!in_forked_worker || !judged_calls)
        return;
    for (int k = 0; k < nseen; k++)
        if (seen[k] == addr)
            return;
    if (nseen < KNOWN_LOCKS)
        seen[nseen++] = addr;
    if (!in_shared_mapping(addr))
        count(&judged_calls->private_locks);
}

int __wrap_pthread_mutex_lock(pthread_mutex_t *m)
{
    note_lock(m);
    return __real_pthread_mutex_lock(m);
}

int __wrap_pthread_mutex_trylock(pthread_mutex_t *m)
{
    note_lock(m);
    return __real_pthread_mutex_trylock(m);
}

/* The contention job's unkind scheduler: a worker that lets go of a lock
 * pauses before it goes on, so a claim split over two critical sections
 * (read the next index, let go, take it) meets another worker's claim in
 * between, as it would now and then on a busy machine. */
static void pause_after_release(void)
{
    static const struct timespec pause = {.tv_nsec = 200 * 1000};

    if (jitter)
        nanosleep(&pause, NULL);
}

int __wrap_pthread_mutex_unlock(pthread_mutex_t *m)
{
    int rc = __real_pthread_mutex_unlock(m);

    pause_after_release();
    return rc;
}

int __wrap_sem_post(sem_t *s)
{
    int rc = __real_sem_post(s);

    pause_after_release();
    return rc;
}

int __wrap_sem_wait(sem_t *s)
{
    note_lock(s);
    return __real_sem_wait(s);
}

int __wrap_sem_trywait(sem_t *s)
{
    note_lock(s);
    return __real_sem_trywait(s);
}

int __wrap_sem_timedwait(sem_t *s, const struct timespec *t)
{
    note_lock(s);
    return __real_sem_timedwait(s, t);
}

/* ---- the caller's side of crawl_run ---- */

/* JUDGE_CALLER: before main, the caller forks children of its own, which
 * crawl_run must leave alone (the judge looks for them at "end"): one that
 * ends at once, a zombie the caller has not reaped yet (the first that a
 * waitpid(-1) would take), and one that lives CALLER_KID_S, so a crawl_run
 * that waits for any child returns late instead of never. */
static void caller_child(int live_s)
{
    struct timespec left = {.tv_sec = live_s};
    pid_t pid = __real_fork();

    if (pid != 0)
        return; /* the parent goes on; a failed fork shows as no child */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
        _exit(1);
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
    _exit(0);
}

__attribute__((constructor)) static void judge_setup(void)
{
    const char *cap = getenv("JUDGE_SPAWN_CAP");

    jitter = getenv("JUDGE_JITTER") != NULL;

    if (cap && atol(cap) > 0)
        spawn_cap = atol(cap);
    if (getenv("JUDGE_CALLER")) {
        caller_child(0);
        caller_child(CALLER_KID_S);
    }
}

/* Rows of a finished call that are not a success in their own slot. */
static int bad_rows(const struct job *job, const struct result *res, int n)
{
    int bad = 0;

    for (int i = 0; i < n; i++) {
        if (job->pages && res[i].id == 0) /* a frontier's rows end at the first empty one */
            break;
        bad += !((job->pages || res[i].id == i + 1) && res[i].status == 200 &&
                 res[i].error[0] == '\0');
    }
    return bad;
}

/* JUDGE_TWICE: a first call into rows of its own, then the call whose rows
 * the driver reports; the judge sees each id fetched twice, or not. */
static int run_twice(const struct job *job, struct result *res)
{
    /* a frontier crawl appends its rows: they start empty (as the driver's) */
    struct result *first =
        job->pages ? calloc((size_t)job->n + 1, sizeof *first) : results_new(job->n);

    if (!first)
        return crawl_run(job, res);
    (void)crawl_run(job, first);
    judged_first(bad_rows(job, first, job->n));
    free(first);
    return crawl_run(job, res);
}

/* The rows a call filled: all n, but a frontier job's, which end at the
 * first row with no id (as the driver counts them). */
static int rows_filled(const struct job *job, const struct result *res)
{
    int rows = job->n;

    if (job->pages)
        for (rows = 0; rows < job->n && res[rows].id != 0; rows++)
            ;
    return rows;
}

/* The driver's call of crawl_run, in a graded build: the judge looks at
 * the process before and after it (judged.c), and the job may ask for two
 * calls. Without the judge (a graded binary run by hand), just the call. */
int judged_crawl_run(const struct job *job, struct result *res)
{
    char err[200];
    int rc;

    if (judged_channel() < 0)
        return crawl_run(job, res);
    if (judged_begin(err, sizeof err) != 0) {
        fprintf(stderr, "graded run: %s\n", err);
        exit(1);
    }
    rc = getenv("JUDGE_TWICE") ? run_twice(job, res) : crawl_run(job, res);
    if (judged_end(res, rows_filled(job, res), rc, err, sizeof err) != 0)
        fprintf(stderr, "graded run: %s\n", err);
    return rc;
}
