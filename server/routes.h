/* SPDX-License-Identifier: MIT */
/* routes.h -- from a parsed request to a response: which page, how long it
 * waits, which fault it meets, and the bytes of every response. No
 * sockets here: conn.c sends what routes.c builds into an outbuf. */
#ifndef ROUTES_H
#define ROUTES_H

#include <stddef.h>

#include "delay_plan.h"
#include "http_parse.h"
#include "state.h"

/* A response being built: it starts in a small buffer its owner provides
 * and moves to the heap only when it outgrows it (/stats, /plan). */
struct outbuf {
    char *p; /* small, or a heap block */
    size_t len, cap;
    char *small; /* the owner's buffer */
    size_t small_cap;
    int oom; /* a write did not fit in memory: the content is cut */
};

void ob_init(struct outbuf *b, char *small, size_t small_cap);
void ob_clear(struct outbuf *b); /* empty again, heap block freed */
void ob_printf(struct outbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What to answer for one request (routes.c fills it, conn.c carries it). */
enum page { PAGE_NONE, PAGE_INDEX, PAGE_DETAIL, PAGE_LIST };
struct plan {
    int status;             /* immediate response status; 0 for a delayed page */
    enum page page;         /* the delayed page */
    long id;                /* PAGE_DETAIL: the id asked for; PAGE_LIST: the page */
    long delay_ms;          /* how long the page waits */
    long attempt;           /* PAGE_DETAIL, PAGE_LIST: its fetch count, 1-based */
    enum dplan_fault fault; /* PAGE_DETAIL: what --*-rate decided */
    int close;              /* close the connection after this response */
    int keep_alive_header;  /* an HTTP/1.0 client asked for keep-alive */
};

/* pages_only: the request came through --unix, where the counters
 * (/stats) do not exist. Counts a /detail fetch as it arrives. */
void route_request(struct srv *srv, const struct http_req *req, int pages_only, struct outbuf *out,
                   struct plan *plan);
/* The delayed page, due now: its status (500 for an injected failure,
 * 503 when a list page does not fit in memory). */
int route_page(const struct srv *srv, const struct plan *plan, struct outbuf *out);
/* The start of the page and a head that promises more: a transfer cut
 * short when the connection closes after it. Returns 200. */
int route_cut_page(const struct plan *plan, struct outbuf *out);
void route_error(int status, const char *why, struct outbuf *out);

#endif
