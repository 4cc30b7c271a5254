/* SPDX-License-Identifier: MIT */
/* state.h -- delay-server's shared state: the options (fixed after start),
 * the counters /stats reports, and the per-id fetch counts. Everything
 * else includes this; it includes nothing of the server's but the plan. */
#ifndef STATE_H
#define STATE_H

#include <stddef.h>
#include <stdint.h>

#include "delay_plan.h"

#define SRV_MAX_IDS     1024       /* entries in one --fail-ids style list */
#define SRV_MAX_ID      2147483647 /* largest /detail/<id> */
#define SRV_COUNTED_IDS 100000     /* /stats "fetched" counts ids 1..this */
#define SRV_OUT_SMALL   1024       /* a connection's inline response buffer */
#define SRV_LOG_MAX     200000     /* page requests kept in the timeline (/log) */
#define SRV_MAX_PAGES   10000      /* --pages: list pages */
#define SRV_MAX_PER     1000       /* --per-page: detail ids on one list page */
#define SRV_MAX_LISTED  100000     /* --pages * --per-page */

/* The counters /stats reports; single-threaded, so plain integers.
 * Every page request whose head arrived ends in exactly one of requests,
 * aborted or resets, or is still in_flight. */
struct srv_stats {
    long long requests;       /* page responses handed to the kernel */
    long long in_flight;      /* page heads parsed, response not yet sent */
    long long peak_in_flight; /* since start or the last reset */
    long long connections;    /* open now */
    long long peak_connections;
    long long errors;        /* 4xx/5xx responses handed to the kernel */
    long long aborted;       /* the client left while its page waited */
    long long failed_faults; /* 500s from --fail-rate (also in errors) */
    long long resets;        /* dropped unanswered: --reset-rate, --close-ids */
    long long stalls;        /* --stall-rate: left unanswered on purpose */
    long long timeouts;      /* closed by the header or write deadline */
    long long fetched_other; /* /detail ids above SRV_COUNTED_IDS */
    long long list_fetches;  /* /list/<P> heads arrived (also in requests etc.) */
};

struct idlist {
    long ids[SRV_MAX_IDS]; /* sorted, for bsearch */
    size_t n;
};

/* The command line, fixed after start. */
struct srv_config {
    const char *host;
    int port;              /* the real one once listening */
    const char *unix_path; /* --unix: a pages-only listener, or NULL */
    long delay_min_ms, delay_max_ms;
    uint64_t seed;
    struct dplan_rates rates;
    long header_timeout_ms, idle_timeout_ms, write_timeout_ms;
    long max_conns;
    long delay_cap_ms; /* no page waits longer (the fuzzer sets 0) */
    int quiet;
    struct idlist fail_ids, wrong_ids, close_ids;
    struct idlist stall_ids, cut_ids; /* never answered; answered half and hung up */
    long stall_ms;                    /* a stalled page is answered after this; 0: never */
    /* The frontier crawl: list pages that name the detail ids. */
    long pages, per_page;                      /* --pages, --per-page; 0: no /list */
    long list_delay_min_ms, list_delay_max_ms; /* -1 until set: then --delay-ms's */
    int chain;                                 /* a list page links to the next */
    struct idlist list_fail_ids;               /* list pages answered 500 */
};

/* How a page request ended, in the timeline. */
enum srv_end { END_OPEN, END_ANSWERED, END_CUT, END_DROPPED, END_ABORTED };

/* One /detail or /list request in the timeline: when its head arrived and when it
 * ended (el_now_us() clock: CLOCK_MONOTONIC, the same as any other process
 * on the machine), how, and which process connected (SO_PEERCRED on the
 * unix socket; 0 on TCP). A grader reads it to see the schedule itself. */
struct srv_rec {
    long id, attempt; /* a list page: its number and its count */
    int list;         /* a /list page, not a /detail page */
    long long start_us, end_us;
    int status; /* END_ANSWERED: the HTTP status */
    enum srv_end end;
    int pid;
};

enum srv_warn_kind { WARN_NOFILE, WARN_MAXCONN, WARN_ACCEPT, WARN_NOMEM, WARN_NKINDS };

struct el;
struct conn;

struct srv {
    struct srv_config cfg;
    struct el *el;
    int listen_fd, unix_fd, signal_fd; /* -1 when not open */
    int unix_bound;                    /* we created cfg.unix_path: remove it at exit */
    struct srv_stats st;
    unsigned int *fetched;               /* [SRV_COUNTED_IDS + 1]: fetches per id */
    long fetched_max_id;                 /* highest counted id fetched since the reset */
    unsigned int *list_counts;           /* [SRV_MAX_PAGES + 1]: fetches per list page */
    long list_max;                       /* highest list page fetched since the reset */
    struct conn *conns;                  /* every open connection, to free at exit */
    long long accept_timer;              /* re-enables accept after EMFILE; 0 if none */
    long long last_warn_us[WARN_NKINDS]; /* warnings: once a second each */
    struct srv_rec *log;                 /* the timeline, oldest first */
    size_t log_n, log_cap;
};

/* The defaults of every option; the counts array. 0, or -1 (no memory). */
int srv_init(struct srv *srv);
void srv_release(struct srv *srv); /* frees what srv_init allocated */

void srv_warn(struct srv *srv, enum srv_warn_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int idlist_has(const struct idlist *l, long id);

/* A /detail/<id> head arrived: count it. Returns the attempt number (this
 * id's count, 1-based), or 1 for ids above SRV_COUNTED_IDS. */
long srv_count_fetch(struct srv *srv, long id);
/* A /list/<page> head arrived (1 <= page <= --pages): count it. Returns
 * the attempt number, as srv_count_fetch. */
long srv_count_list(struct srv *srv, long page);
/* /stats?reset=1: counters and fetch counts start again; the peaks start
 * from what is open and waiting now. The timeline (/log) is kept whole. */
void srv_reset_stats(struct srv *srv);

/* A page request began: its timeline entry (1-based), or 0 when the log is
 * full or out of memory (the counters still count it). */
size_t srv_log_start(struct srv *srv, long id, long attempt, int list, int pid);
/* It ended (rec 0 is ignored). */
void srv_log_end(struct srv *srv, size_t rec, enum srv_end end, int status);

#endif
