/* SPDX-License-Identifier: MIT */
/* fetch.c -- one HTTP request with a libcurl easy handle, judged strictly:
 * a success is a 200 whose body names the id that was asked for. */
#include "crawl.h"
#include "driver.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* Backoff between attempts: 50 ms, 100 ms, 200 ms ... at most 1 s, each
 * scaled by a random factor in [0.5, 1) so retries spread out instead of
 * returning to the server all together. */

double clock_now(void)
{
    struct timespec ts;

    /* CLOCK_MONOTONIC cannot fail with a valid pointer; it never jumps. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int job_url(const char *base, int id, char *out, size_t size)
{
    int len = snprintf(out, size, "%s/detail/%d", base, id);

    return len < 0 || (size_t)len >= size ? -1 : 0;
}

int page_url(const char *base, int kind, int id, char *out, size_t size)
{
    int len = snprintf(out, size, "%s/%s/%d", base, kind == PAGE_LIST ? "list" : "detail", id);

    return len < 0 || (size_t)len >= size ? -1 : 0;
}

/* List page 3 starts <!doctype html><title>list 3</title> -- else it is another page. */
int body_names_list(const char *body, size_t len, int page)
{
    char want[64];
    int wlen = snprintf(want, sizeof want, "<!doctype html><title>list %d</title>", page);

    return wlen > 0 && len >= (size_t)wlen && memcmp(body, want, (size_t)wlen) == 0;
}

/* The server's page for id 7 starts {"id":7, -- anything else is a wrong page. */
int body_names_id(const char *body, size_t len, int id)
{
    char want[32];
    int wlen = snprintf(want, sizeof want, "{\"id\":%d,", id);

    return wlen > 0 && len >= (size_t)wlen && memcmp(body, want, (size_t)wlen) == 0;
}

void result_fail(struct result *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(r->error, sizeof r->error, fmt, ap);
    va_end(ap);
}

int result_ok(const struct result *r)
{
    return r->status == 200 && r->error[0] == '\0';
}

double backoff_s(int attempt, unsigned *seed)
{
    double wait = CRAWL_BACKOFF_BASE_S;

    for (int k = 1; k < attempt && wait < CRAWL_BACKOFF_MAX_S; k++)
        wait *= 2;
    if (wait > CRAWL_BACKOFF_MAX_S)
        wait = CRAWL_BACKOFF_MAX_S;
    return wait * (0.5 + 0.5 * (double)rand_r(seed) / ((double)RAND_MAX + 1.0));
}

static double thread_cpu_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* cannot fail on Linux */
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A crawler parses what it fetched; this stands in for that: FNV-1a over
 * the body, round after round, until this thread has used `us` of CPU time.
 * Measured on the thread's own CPU clock, not the wall clock, so a busy
 * machine makes it take longer, never do less work. */
unsigned long cpu_work(const char *body, size_t len, long us)
{
    double until = thread_cpu_now() + (double)us / 1e6;
    uint64_t h = 1469598103934665603ULL;

    do {
        for (int round = 0; round < 16; round++) {
            for (size_t k = 0; k < len; k++)
                h = (h ^ (unsigned char)body[k]) * 1099511628211ULL;
            h = (h ^ (uint64_t)round) * 1099511628211ULL; /* an empty body still works */
        }
    } while (thread_cpu_now() < until);
    return (unsigned long)h;
}

void result_queued(struct result *r, const struct page_ref *p)
{
    memset(r, 0, sizeof *r);
    r->id = p->id;
    r->kind = p->kind;
    r->worker = -1;
    result_fail(r, "not run");
}

struct result *results_new(int n)
{
    struct result *res = calloc((size_t)n + 1, sizeof *res);

    for (int i = 0; res && i < n; i++) {
        res[i].id = i + 1;
        res[i].worker = -1;
        result_fail(&res[i], "not run");
    }
    return res;
}

/* A list page is kept whole (up to CRAWL_PAGE_MAX): its links are the
 * work it discovers. Returns 0, or -1 when it does not fit. */
static int keep_page(struct fetch *f, const char *data, size_t n)
{
    if (f->page_len + n > f->page_cap) {
        size_t cap = f->page_cap ? f->page_cap : 4096;
        char *p;

        while (cap < f->page_len + n)
            cap *= 2;
        if (cap > CRAWL_PAGE_MAX)
            return -1;
        p = realloc(f->page, cap);
        if (!p)
            return -1;
        f->page = p;
        f->page_cap = cap;
    }
    memcpy(f->page + f->page_len, data, n);
    f->page_len += n;
    return 0;
}

/* libcurl hands the body over in pieces: keep the start, count it all. */
static size_t write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
    struct fetch *f = userp;
    size_t n = size * nmemb;
    size_t room = sizeof f->body - f->body_len;
    size_t keep = n < room ? n : room;

    memcpy(f->body + f->body_len, data, keep);
    f->body_len += keep;
    f->res->bytes += (long)n;
    if (f->res->kind == PAGE_LIST && keep_page(f, data, n) != 0)
        return 0; /* libcurl fails the transfer: CURLE_WRITE_ERROR */
    return n;
}

int fetch_init(struct fetch *f, int worker)
{
    CURLcode rc;

    memset(f, 0, sizeof *f);
    f->worker = worker;
    f->jitter_seed = (unsigned)worker * 2654435761u + (unsigned)getpid();
    f->easy = curl_easy_init();
    if (!f->easy)
        return -1;
    /* NOSIGNAL: libcurl must not use SIGALRM for its timeouts (threads
     * cannot share one alarm). With it, libcurl also leaves SIGPIPE alone,
     * so the driver ignores SIGPIPE itself (driver.c). */
    rc = curl_easy_setopt(f->easy, CURLOPT_NOSIGNAL, 1L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(f->easy, CURLOPT_WRITEFUNCTION, write_cb);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(f->easy, CURLOPT_WRITEDATA, f);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(f->easy, CURLOPT_ERRORBUFFER, f->curl_err);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(f->easy, CURLOPT_PRIVATE, f);
    /* The job is plain HTTP: refuse file://, gopher:// and the rest, also
     * on a redirect (libcurl 7.85+; the option names the schemes). */
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(f->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    if (rc != CURLE_OK) {
        fetch_cleanup(f);
        return -1;
    }
    return 0;
}

/* ---- the report's memory of worker processes, with no call in a model ----
 * A forked worker is gone by the time the driver reports, and its pages
 * with it. So each process other than the driver's notes its proportional
 * set size (its private pages plus its share of the shared ones) whenever
 * it cleans up a handle -- the last note is from just before it exits --
 * in a page the driver mapped shared before crawl_run. */
#define CHILDREN_NOTED_MAX 1024

struct child_memory {
    pid_t driver;
    int used; /* entries claimed so far (atomic) */
    struct {
        pid_t pid;
        long pss_kb;
    } child[CHILDREN_NOTED_MAX];
};
static struct child_memory *child_memory;

int child_memory_begin(void)
{
    child_memory =
        mmap(NULL, sizeof *child_memory, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (child_memory == MAP_FAILED) {
        child_memory = NULL;
        return -1;
    }
    child_memory->driver = getpid();
    return 0;
}

int child_memory_total(long *pss_kb)
{
    int n = child_memory ? __atomic_load_n(&child_memory->used, __ATOMIC_ACQUIRE) : 0;

    *pss_kb = 0;
    n = n < CHILDREN_NOTED_MAX ? n : CHILDREN_NOTED_MAX;
    for (int k = 0; k < n; k++)
        *pss_kb += child_memory->child[k].pss_kb > 0 ? child_memory->child[k].pss_kb : 0;
    return n;
}

/* "Pss:   1234 kB" from /proc/self/smaps_rollup (Linux 4.14+); -1 if absent. */
static long read_pss_kb(void)
{
    FILE *in = fopen("/proc/self/smaps_rollup", "r");
    char line[256];
    long kb = -1;

    if (!in)
        return -1;
    while (fgets(line, sizeof line, in)) {
        if (sscanf(line, "Pss: %ld kB", &kb) == 1)
            break;
    }
    fclose(in);
    return kb;
}

/* One entry per process: found by its pid, or claimed on its first note. */
static void note_child_memory(void)
{
    pid_t self = getpid();
    int n, k;

    if (!child_memory || self == child_memory->driver)
        return;
    n = __atomic_load_n(&child_memory->used, __ATOMIC_ACQUIRE);
    for (k = 0; k < n && k < CHILDREN_NOTED_MAX; k++) {
        if (__atomic_load_n(&child_memory->child[k].pid, __ATOMIC_RELAXED) == self)
            break;
    }
    if (k == n || k == CHILDREN_NOTED_MAX)
        k = __atomic_fetch_add(&child_memory->used, 1, __ATOMIC_ACQ_REL);
    if (k >= CHILDREN_NOTED_MAX)
        return;
    __atomic_store_n(&child_memory->child[k].pid, self, __ATOMIC_RELAXED);
    __atomic_store_n(&child_memory->child[k].pss_kb, read_pss_kb(), __ATOMIC_RELAXED);
}

void fetch_cleanup(struct fetch *f)
{
    curl_easy_cleanup(f->easy); /* NULL is fine */
    f->easy = NULL;
    free(f->page);
    f->page = NULL;
    f->page_len = f->page_cap = 0;
    note_child_memory();
}

/* The local server is reached directly: a school machine's http_proxy
 * would otherwise send every request to the proxy (and fail). A --proxy
 * URL is used for every request; the environment never is. */
static CURLcode set_proxy(CURL *easy, const char *proxy)
{
    if (proxy)
        return curl_easy_setopt(easy, CURLOPT_PROXY, proxy);
    return curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
}

int fetch_start(struct fetch *f, const struct job *job, int i, struct result *r)
{
    r->id = i + 1;
    r->kind = PAGE_DETAIL;
    return fetch_start_page(f, job, r);
}

int fetch_start_page(struct fetch *f, const struct job *job, struct result *r)
{
    char url[CRAWL_URL_MAX];
    CURLcode rc = CURLE_URL_MALFORMAT;
    int id = r->id, kind = r->kind;

    memset(r, 0, sizeof *r);
    r->id = id;
    r->kind = kind;
    r->worker = f->worker;
    r->attempts = 1;
    r->start_s = clock_now();
    f->res = r;
    f->retry_at = 0;
    f->job = job;
    f->body_len = 0;
    f->page_len = 0;
    f->curl_err[0] = '\0';
    if (page_url(job->base_url, kind, id, url, sizeof url) == 0)
        rc = curl_easy_setopt(f->easy, CURLOPT_URL, url); /* curl copies it */
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(f->easy, CURLOPT_TIMEOUT_MS, job->timeout_ms);
    if (rc == CURLE_OK)
        rc = set_proxy(f->easy, job->proxy);
    if (rc != CURLE_OK) {
        f->job = NULL; /* no retry for a handle that could not be set up */
        fetch_finish(f, rc);
        return -1;
    }
    return 0;
}

/* Worth another attempt: the server failed (5xx), the connection was reset
 * or closed without an answer, or the attempt timed out. Not a wrong page,
 * a 404, or a refused connection: trying again would get the same. */
static int worth_retrying(CURLcode rc, long status)
{
    switch (rc) {
    case CURLE_OK:
        return status >= 500 && status <= 599;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
        return 1;
    default:
        return 0;
    }
}

/* Judge one attempt into r; returns the HTTP status (0: none). */
static long judge(struct fetch *f, struct result *r, CURLcode rc)
{
    long status = 0;

    if (rc != CURLE_OK) {
        result_fail(r, "%s", f->curl_err[0] ? f->curl_err : curl_easy_strerror(rc));
        return 0;
    }
    if (curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK) {
        result_fail(r, "no HTTP status");
        return 0;
    }
    r->status = (int)status;
    if (status != 200)
        result_fail(r, "HTTP %ld", status);
    else if (r->kind == PAGE_LIST && !body_names_list(f->page, f->page_len, r->id))
        result_fail(r, "wrong page: the body is not list page %d", r->id);
    else if (r->kind != PAGE_LIST && !body_names_id(f->body, f->body_len, r->id))
        result_fail(r, "wrong page: the body does not name id %d", r->id);
    return status;
}

enum fetch_outcome fetch_finish(struct fetch *f, CURLcode rc)
{
    struct result *r = f->res;
    const struct job *job = f->job;
    long status = judge(f, r, rc);

    r->end_s = clock_now();
    if (job && !result_ok(r) && r->attempts <= job->retries && worth_retrying(rc, status)) {
        f->retry_at = r->end_s + backoff_s(r->attempts, &f->jitter_seed);
        return FETCH_RETRY; /* the row stays f's: one row per request */
    }
    f->res = NULL;
    f->job = NULL;
    if (!result_ok(r))
        f->page_len = 0; /* a failed list page links nothing */
    if (job && job->work_us > 0 && result_ok(r))
        f->digest = cpu_work(f->body, f->body_len, job->work_us);
    return FETCH_DONE;
}

void fetch_retry(struct fetch *f)
{
    struct result *r = f->res;

    r->attempts++;
    r->status = 0;
    r->bytes = 0;
    r->error[0] = '\0';
    f->retry_at = 0;
    f->body_len = 0;
    f->page_len = 0;
    f->curl_err[0] = '\0';
}

/* Blocking: the backoff is a plain sleep, as a blocked worker has nothing
 * else to do; the event loops (async.c, hybrid.c) wait for it without blocking. */
static void sleep_until(double when)
{
    double left = when - clock_now();
    struct timespec ts;

    if (left <= 0)
        return;
    ts.tv_sec = (time_t)left;
    ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) /* a signal: sleep the rest */
        ;
}

void fetch_perform(struct fetch *f)
{
    while (fetch_finish(f, curl_easy_perform(f->easy)) == FETCH_RETRY) {
        sleep_until(f->retry_at);
        fetch_retry(f);
    }
}

void fetch_one(struct fetch *f, const struct job *job, int i, struct result *r)
{
    if (fetch_start(f, job, i, r) == 0)
        fetch_perform(f);
}

void fetch_page(struct fetch *f, const struct job *job, struct result *r)
{
    if (fetch_start_page(f, job, r) == 0)
        fetch_perform(f);
}
