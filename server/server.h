/* SPDX-License-Identifier: MIT */
/* server.h -- what server.c (main, options, listening), conn.c (one
 * connection's life) and routes.c (request -> response) share. */
#ifndef SERVER_H
#define SERVER_H

#include <stddef.h>

#include "el.h"
#include "http_parse.h"

#define SRV_MAX_IDS 1024       /* entries in one --fail-ids style list */
#define SRV_MAX_ID  2147483647 /* largest /detail/<id> */
#define SRV_OUT_MAX 1024       /* every response fits: bodies are short */

/* The counters /stats reports; single-threaded, so plain integers. */
struct srv_stats {
    long long requests;       /* page responses handed to the kernel */
    long long in_flight;      /* page heads parsed, response not yet sent */
    long long peak_in_flight; /* since start or the last reset */
    long long connections;    /* open now */
    long long peak_connections;
    long long errors; /* 4xx/5xx responses handed to the kernel */
};

struct idlist {
    long ids[SRV_MAX_IDS]; /* sorted, for bsearch */
    size_t n;
};

enum srv_warn_kind { WARN_NOFILE, WARN_MAXCONN, WARN_ACCEPT, WARN_NOMEM, WARN_NKINDS };

struct conn;

struct srv {
    struct el *el;
    int listen_fd;
    int signal_fd;
    /* options, fixed after start */
    const char *host;
    int port; /* the real one once listening */
    long delay_ms;
    long max_conns;
    int quiet;
    struct idlist fail_ids, wrong_ids, close_ids;
    /* state */
    struct srv_stats st;
    struct conn *conns;                  /* every open connection, to free at exit */
    long long accept_timer;              /* re-enables accept after EMFILE; 0 if none */
    long long last_warn_us[WARN_NKINDS]; /* warnings: once a second each */
};

/* What to answer for one request (routes.c fills it, conn.c carries it). */
enum page { PAGE_NONE, PAGE_INDEX, PAGE_DETAIL };
struct plan {
    int status;            /* immediate response status; 0 for a delayed page */
    size_t len;            /* bytes of the immediate response in out[] */
    enum page page;        /* the delayed page */
    long id;               /* PAGE_DETAIL: the id asked for */
    long delay_ms;         /* how long the page waits, from the parse */
    int close;             /* close the connection after this response */
    int keep_alive_header; /* an HTTP/1.0 client asked for keep-alive */
};

/* server.c */
void srv_warn(struct srv *srv, enum srv_warn_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int idlist_has(const struct idlist *l, long id);

/* conn.c */
void conn_accept_cb(struct el *el, int fd, int mask, void *srv);
void conn_free_all(struct srv *srv);

/* routes.c */
void route_request(struct srv *srv, const struct http_req *req, char *out, size_t cap,
                   struct plan *plan);
/* The delayed page, due now: status, or 0 when --close-ids says drop. */
int route_page(const struct srv *srv, const struct plan *plan, char *out, size_t cap, size_t *len);
size_t route_error(int status, const char *why, char *out, size_t cap);

#endif
