/* SPDX-License-Identifier: MIT */
/* crawl.h -- what every model shares: the job, a result per request,
 * one blocking fetch, and the one function each model writes.
 * Everything else (command line, timing, reports) is the driver's. */
#ifndef CRAWL_H
#define CRAWL_H

#include <curl/curl.h>
#include <stddef.h>

#define CRAWL_URL_MAX   512    /* longest base URL + "/detail/<id>" */
#define CRAWL_ERR_MAX   120    /* an error text, truncated to fit */
#define CRAWL_BODY_MAX  512    /* body bytes kept for the check; the rest counted */
#define CRAWL_COUNT_MAX 100000 /* most requests in one job */
#define CRAWL_LISTS_MAX 10000  /* frontier: most list pages */
#define CRAWL_PAGE_MAX  262144 /* frontier: most bytes of a list page kept */
#define CRAWL_LINKS_MAX 1024   /* frontier: most links read from one list page */

/* The job every model runs: requests for ids 1..n. Read-only while running.
 * A frontier job (the *_frontier.c variants) starts from list pages
 * 1..pages instead and fetches every page they link: n is then the room
 * in res[], not a count known in advance. */
struct job {
    const char *base_url; /* e.g. http://127.0.0.1:8080, no trailing slash */
    int n;                /* number of requests */
    int nworkers;         /* pool size; async: most in flight, 0 = all */
    long timeout_ms;      /* per attempt, connect included */
    int retries;          /* extra attempts after a 5xx, a reset or a timeout */
    long work_us;         /* CPU work per fetched page, in microseconds */
    int nprocs;           /* hybrid: worker processes (0 for the other models) */
    const char *proxy;    /* --proxy URL, or NULL: no proxy, whatever the environment */
    int pages;            /* frontier: list pages to start from; 0 for the other models */
};

/* What a page is: a detail page (/detail/ID) or a list of them (/list/P). */
enum page_kind { PAGE_DETAIL, PAGE_LIST };

/* The outcome of one request. A plain fixed-size struct on purpose: a
 * forked worker sends it to its parent through a pipe as raw bytes. */
struct result {
    int id;                    /* the id asked for: 1..n (a list page: its number) */
    int kind;                  /* enum page_kind: PAGE_DETAIL but in a frontier job */
    int worker;                /* thread index, process index or async slot */
    int status;                /* HTTP status, 0 when there was no response */
    long bytes;                /* body bytes received (last attempt) */
    int attempts;              /* 1 + retries made; 0 when never started */
    double start_s, end_s;     /* clock_now() at start and end */
    char error[CRAWL_ERR_MAX]; /* "" when the request succeeded */
};

/* The only thing each model writes: run every request of the job and fill
 * res[i] for id i + 1. Returns 0, or -1 with res[] rows it could not run
 * left as the driver prepared them (an error "not run"). */
int crawl_run(const struct job *job, struct result *res);

/* What a model tells the driver about itself (one per model file). */
struct model {
    const char *name;    /* "serial", "threadpool", ... */
    int default_workers; /* -w when not given */
    int min_workers;     /* async allows 0 (unlimited) */
    int max_workers;     /* serial is a pool of exactly one */
    int takes_processes; /* hybrid: -p/--processes; any other model refuses it */
    int frontier;        /* a frontier variant: --pages, rows appended as pages are found */
};
extern const struct model MODEL;

/* One transfer: an easy handle that is reused (so is its connection),
 * the result slot it fills, and the start of the body for the check. */
struct fetch {
    CURL *easy;
    int worker;         /* copied into every result it fills */
    struct result *res; /* slot being filled, NULL when idle */
    char body[CRAWL_BODY_MAX];
    size_t body_len; /* bytes kept in body[] */
    char *page;      /* a list page's whole body (malloc'd, grows to CRAWL_PAGE_MAX) */
    size_t page_len, page_cap;
    char curl_err[CURL_ERROR_SIZE];
    const struct job *job; /* the job of the request in flight */
    double retry_at;       /* clock_now() when a retried request may start again */
    unsigned jitter_seed;  /* rand_r state for the backoff's jitter */
    unsigned long digest;  /* what --work-us computed: kept so it is not optimised away */
};

/* Seconds on the monotonic clock, shared by all threads and processes. */
double clock_now(void);

/* Make/free a fetch's easy handle. fetch_init returns 0, or -1 (no memory). */
int fetch_init(struct fetch *f, int worker);
void fetch_cleanup(struct fetch *f);

/* Blocking: fetch request i (id i + 1) of the job into *r. Never fails as
 * a call: whatever goes wrong is written into r->error. */
void fetch_one(struct fetch *f, const struct job *job, int i, struct result *r);

/* fetch_one in two halves, for a model that drives transfers itself (async):
 * fetch_start points the handle at request i and stamps r->start_s; returns
 * 0, or -1 with r finished as failed. fetch_finish judges the transfer and
 * returns FETCH_DONE, or FETCH_RETRY when the attempt failed in a way worth
 * another (5xx, reset, timeout) and job->retries allows it: the request is
 * still f's, to be started again with fetch_retry() at f->retry_at. */
enum fetch_outcome { FETCH_DONE, FETCH_RETRY };
int fetch_start(struct fetch *f, const struct job *job, int i, struct result *r);
enum fetch_outcome fetch_finish(struct fetch *f, CURLcode rc);
void fetch_retry(struct fetch *f);
/* The blocking rest of fetch_one after fetch_start: every attempt, with
 * the backoff slept in between. */
void fetch_perform(struct fetch *f);

/* ---- the frontier: pages that name more pages ----
 * A page to fetch, as a list page's links name it. */
struct page_ref {
    int kind; /* enum page_kind */
    int id;
};

/* fetch_one and fetch_start for a frontier row: r->kind and r->id (set by
 * whoever queued it) say which page; the rest of *r is filled in. */
void fetch_page(struct fetch *f, const struct job *job, struct result *r);
int fetch_start_page(struct fetch *f, const struct job *job, struct result *r);
/* The links of the page f fetched last, if it was a list page that
 * succeeded: at most max into out[]; returns how many (0 for a detail). */
int fetch_links(const struct fetch *f, struct page_ref *out, int max);

/* Every page seen so far, to queue each one once. Zero it to start. */
struct page_set {
    unsigned char bit[(CRAWL_LISTS_MAX + CRAWL_COUNT_MAX) / 8 + 2];
};
/* Row r becomes page p, queued: "not run" until a worker fetches it. */
void result_queued(struct result *r, const struct page_ref *p);
/* 1 if p is new (and now in the set), 0 if it was there or is out of range. */
int page_set_add(struct page_set *set, const struct page_ref *p);

/* Driver helpers, public so tests reach them. */
int job_url(const char *base, int id, char *out, size_t size);
int page_url(const char *base, int kind, int id, char *out, size_t size);
/* The links of a list page's body: each href="/detail/N" and
 * href="/list/N", in order, at most max; returns how many were found. */
int page_links(const char *body, size_t len, struct page_ref *out, int max);
int body_names_list(const char *body, size_t len, int page);
int body_names_id(const char *body, size_t len, int id);
void result_fail(struct result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int result_ok(const struct result *r);
/* The wait before attempt `attempt` + 1: CRAWL_BACKOFF_BASE_S doubled per
 * attempt up to CRAWL_BACKOFF_MAX_S, times a jitter in [0.5, 1) (the
 * grader holds every retry to at least the low end). */
#define CRAWL_BACKOFF_BASE_S 0.050
#define CRAWL_BACKOFF_MAX_S  1.0
double backoff_s(int attempt, unsigned *seed);
/* About us microseconds of this thread's CPU time spent hashing the body. */
unsigned long cpu_work(const char *body, size_t len, long us);
/* n rows that all start as failures ("not run"), so a row a model never
 * fills is reported, not counted as a success or left out. free() them. */
struct result *results_new(int n);

#endif
