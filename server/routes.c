/* SPDX-License-Identifier: MIT */
/* routes.c -- from a parsed request to a response: which page, how long it
 * waits, and the bytes of every response. It never touches a socket:
 * conn.c sends what is built here, so a route is easy to read and test. */
#include "routes.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frontier.h"

enum route {
    ROUTE_NONE,
    ROUTE_INDEX,
    ROUTE_DETAIL,
    ROUTE_STATS,
    ROUTE_HEALTHZ,
    ROUTE_PLAN,
    ROUTE_LOG,
    ROUTE_LIST,
    ROUTE_IDEAL
};

#define TEXT      "text/plain; charset=utf-8"
#define JSON      "application/json"
#define HTML      "text/html; charset=utf-8"
#define MAX_DELAY 60000   /* largest ?delay_ms= */
#define MAX_W     1000000 /* largest /ideal?w= */

/* ---- the response buffer ---- */

void ob_init(struct outbuf *b, char *small, size_t small_cap)
{
    b->p = b->small = small;
    b->cap = b->small_cap = small_cap;
    b->len = 0;
    b->oom = 0;
}

void ob_clear(struct outbuf *b)
{
    if (b->p != b->small)
        free(b->p);
    ob_init(b, b->small, b->small_cap);
}

/* Room for need more bytes (plus a NUL). 0, or -1 and oom set. */
static int ob_reserve(struct outbuf *b, size_t need)
{
    size_t cap = b->cap;
    char *p;

    if (b->oom)
        return -1;
    if (b->len + need < cap)
        return 0;
    while (b->len + need >= cap)
        cap *= 2;
    p = b->p == b->small ? malloc(cap) : realloc(b->p, cap);
    if (p == NULL) {
        b->oom = 1;
        return -1;
    }
    if (b->p == b->small)
        memcpy(p, b->small, b->len);
    b->p = p;
    b->cap = cap;
    return 0;
}

static void ob_write(struct outbuf *b, const char *s, size_t n)
{
    if (ob_reserve(b, n) == 0) {
        memcpy(b->p + b->len, s, n);
        b->len += n;
    }
}

void ob_printf(struct outbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (b->oom)
        return;
    va_start(ap, fmt);
    n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    if (b->len + (size_t)n < b->cap) {
        b->len += (size_t)n;
        return;
    }
    if (ob_reserve(b, (size_t)n) == -1)
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* ---- responses ---- */

static const char *reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Unknown";
    }
}

static void plan_error(struct plan *plan, int status, const char *why, const char *extra,
                       struct outbuf *out);

/* Status line, headers and body into out. Every response says its
 * Content-Length, so keep-alive clients know where it ends. */
static void reply(struct outbuf *out, int status, const char *ctype, const char *extra,
                  const char *body, size_t blen, const struct plan *plan)
{
    const char *conn = plan->close               ? "Connection: close\r\n"
                       : plan->keep_alive_header ? "Connection: keep-alive\r\n"
                                                 : "";

    ob_printf(out,
              "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
              "Content-Length: %zu\r\n%s%s\r\n",
              status, reason(status), ctype, blen, conn, extra);
    ob_write(out, body, blen);
}

/* A body built in a buffer of its own (/stats, /plan), or a 503 when
 * memory ran out while building it: never a response cut short. */
static void reply_built(struct outbuf *out, struct outbuf *body, struct plan *plan)
{
    if (body->oom) {
        plan_error(plan, 503, "out of memory", "", out);
    } else {
        plan->status = 200;
        reply(out, 200, JSON, "", body->p, body->len, plan);
        if (out->oom) {
            ob_clear(out);
            plan_error(plan, 503, "out of memory", "", out);
        }
    }
    ob_clear(body);
}

/* An error: a one-line text body saying what is wrong, then close, since
 * after a bad request we cannot trust where the next one starts. */
static void plan_error(struct plan *plan, int status, const char *why, const char *extra,
                       struct outbuf *out)
{
    char body[256];
    int n = snprintf(body, sizeof body, "%d %s: %s\n", status, reason(status), why);

    plan->status = status;
    plan->close = 1;
    reply(out, status, TEXT, extra, body, n < (int)sizeof body ? (size_t)n : sizeof body - 1, plan);
}

void route_error(int status, const char *why, struct outbuf *out)
{
    struct plan plan = {.close = 1};

    plan_error(&plan, status, why, "", out);
}

/* ---- matching ---- */

static int path_is(const struct http_req *req, const char *path)
{
    return req->path_len == strlen(path) && memcmp(req->path, path, req->path_len) == 0;
}

/* path is prefix followed by a number 1..max: it into *n. */
static int path_num(const struct http_req *req, const char *prefix, long max, long *n)
{
    size_t plen = strlen(prefix);

    return req->path_len > plen && memcmp(req->path, prefix, plen) == 0 &&
           http_parse_uint(req->path + plen, req->path_len - plen, max, n) == 0 && *n > 0;
}

/* pages: --pages, the highest list page there is. */
static enum route route_match(const struct http_req *req, long pages, long *id)
{
    if (path_is(req, "/") || path_is(req, "/index"))
        return ROUTE_INDEX;
    if (path_is(req, "/stats"))
        return ROUTE_STATS;
    if (path_is(req, "/healthz"))
        return ROUTE_HEALTHZ;
    if (path_is(req, "/plan"))
        return ROUTE_PLAN;
    if (path_is(req, "/log"))
        return ROUTE_LOG;
    if (path_is(req, "/ideal"))
        return ROUTE_IDEAL;
    if (path_num(req, "/detail/", SRV_MAX_ID, id))
        return ROUTE_DETAIL;
    if (pages > 0 && path_num(req, "/list/", pages, id))
        return ROUTE_LIST;
    return ROUTE_NONE;
}

/* ---- /stats and /plan ---- */

/* "1-23:1,24:2,25:0": runs of consecutive ids 1..max with one count. */
static void count_runs(const unsigned int *counts, long max, struct outbuf *b)
{
    long first = 1;

    for (long id = 1; id <= max; id++) {
        if (id < max && counts[id + 1] == counts[first])
            continue;
        if (first > 1)
            ob_printf(b, ",");
        if (id == first)
            ob_printf(b, "%ld:%u", id, counts[id]);
        else
            ob_printf(b, "%ld-%ld:%u", first, id, counts[id]);
        first = id + 1;
    }
}

/* GET /stats[?reset=1]: the counters; a reset returns the values from
 * before it, so no request is lost between reading and resetting. */
static void route_stats(struct srv *srv, const struct http_req *req, struct outbuf *out,
                        struct plan *plan)
{
    const struct srv_stats *st = &srv->st;
    char small[SRV_OUT_SMALL];
    struct outbuf body;
    const char *v;
    size_t vlen;
    long reset = 0;

    if (http_query_param(req->query, req->query_len, "reset", &v, &vlen) &&
        http_parse_uint(v, vlen, 1, &reset) != 0) {
        plan_error(plan, 400, "reset must be 0 or 1", "", out);
        return;
    }
    ob_init(&body, small, sizeof small);
    ob_printf(&body,
              "{\"requests\":%lld,\"in_flight\":%lld,\"peak_in_flight\":%lld,"
              "\"connections\":%lld,\"peak_connections\":%lld,\"errors\":%lld,"
              "\"aborted\":%lld,\"failed_faults\":%lld,\"resets\":%lld,\"stalls\":%lld,"
              "\"timeouts\":%lld,\"fetched_other\":%lld,\"fetched\":\"",
              st->requests, st->in_flight, st->peak_in_flight, st->connections,
              st->peak_connections, st->errors, st->aborted, st->failed_faults, st->resets,
              st->stalls, st->timeouts, st->fetched_other);
    count_runs(srv->fetched, srv->fetched_max_id, &body);
    ob_printf(&body, "\"");
    if (srv->cfg.pages > 0) { /* after every older field: their parsers see no change */
        ob_printf(&body, ",\"list_fetches\":%lld,\"list_counts\":\"", st->list_fetches);
        count_runs(srv->list_counts, srv->list_max, &body);
        ob_printf(&body, "\"");
    }
    ob_printf(&body, "}\n");
    if (reset && !body.oom)
        srv_reset_stats(srv);
    reply_built(out, &body, plan);
}

/* GET /plan?n=N: every id's delay, so a client can compute the ideal
 * schedule without fetching anything. */
static void route_plan(const struct srv *srv, const struct http_req *req, struct outbuf *out,
                       struct plan *plan)
{
    const struct srv_config *cfg = &srv->cfg;
    char small[SRV_OUT_SMALL];
    struct outbuf body;
    const char *v;
    size_t vlen;
    long n, lists = 0;

    if (!http_query_param(req->query, req->query_len, "n", &v, &vlen) ||
        http_parse_uint(v, vlen, SRV_COUNTED_IDS, &n) != 0) {
        plan_error(plan, 400, "n must be 0..100000", "", out);
        return;
    }
    if (http_query_param(req->query, req->query_len, "lists", &v, &vlen) &&
        http_parse_uint(v, vlen, 1, &lists) != 0) {
        plan_error(plan, 400, "lists must be 0 or 1", "", out);
        return;
    }
    ob_init(&body, small, sizeof small);
    ob_printf(&body, "{\"seed\":%llu,\"n\":%ld,\"delays_ms\":[", (unsigned long long)cfg->seed, n);
    for (long id = 1; id <= n; id++)
        ob_printf(&body, id == 1 ? "%ld" : ",%ld",
                  dplan_delay_ms(cfg->seed, id, cfg->delay_min_ms, cfg->delay_max_ms));
    ob_printf(&body, "]");
    if (cfg->pages > 0)
        frontier_plan_json(cfg, (int)lists, &body);
    ob_printf(&body, "}\n");
    reply_built(out, &body, plan);
}

/* GET /log: the timeline of page requests, one a line; with --pages each
 * says its kind in an 8th field (without, the 7 fields the older parsers
 * read, exactly). */
static void route_log(const struct srv *srv, struct outbuf *out, struct plan *plan)
{
    static const char *const ends[] = {"open", "answered", "cut", "dropped", "aborted"};
    char small[SRV_OUT_SMALL] = "";
    struct outbuf body;

    ob_init(&body, small, sizeof small);
    for (size_t k = 0; k < srv->log_n; k++) {
        const struct srv_rec *r = &srv->log[k];

        ob_printf(&body, "%ld %ld %lld %lld %s %d %d%s\n", r->id, r->attempt, r->start_us,
                  r->end_us, ends[r->end], r->status, r->pid,
                  srv->cfg.pages == 0 ? ""
                  : r->list           ? " list"
                                      : " detail");
    }
    reply_built(out, &body, plan); /* text, one line a request, though it says JSON */
}

/* An optional query flag: 0 when absent, 0 or 1 when given, else -1. */
static long query_flag(const struct http_req *req, const char *name)
{
    const char *v;
    size_t vlen;
    long f = 0;

    if (http_query_param(req->query, req->query_len, name, &v, &vlen) &&
        http_parse_uint(v, vlen, 1, &f) != 0)
        return -1;
    return f;
}

/* /ideal's query: w, and n or frontier=1[&stages=1]. NULL, or what is
 * wrong with it. */
static const char *ideal_query(const struct srv *srv, const struct http_req *req, long *n, long *w,
                               long *frontier, long *stages)
{
    const char *v;
    size_t vlen;
    int has_n = http_query_param(req->query, req->query_len, "n", &v, &vlen);

    if (has_n && http_parse_uint(v, vlen, SRV_COUNTED_IDS, n) != 0)
        return "n must be 0..100000";
    if (!http_query_param(req->query, req->query_len, "w", &v, &vlen) ||
        http_parse_uint(v, vlen, MAX_W, w) != 0)
        return "w must be 0..1000000 (0: no limit)";
    if ((*frontier = query_flag(req, "frontier")) == -1 ||
        (*stages = query_flag(req, "stages")) == -1)
        return "frontier and stages must be 0 or 1";
    if (*frontier && srv->cfg.pages == 0)
        return "frontier=1 needs --pages";
    if (*frontier == has_n)
        return "give either n=N (the ids 1..N) or frontier=1 (the list pages)";
    if (*stages && !*frontier)
        return "stages=1 goes with frontier=1";
    return NULL;
}

/* GET /ideal?n=N&w=W or ?w=W&frontier=1[&stages=1]: the greedy ideal
 * over the server's own delays, so no tool needs a copy of the schedule. */
static void route_ideal(const struct srv *srv, const struct http_req *req, struct outbuf *out,
                        struct plan *plan)
{
    char small[64];
    struct outbuf body;
    long n = 0, w, frontier, stages;
    const char *why = ideal_query(srv, req, &n, &w, &frontier, &stages);
    double s;

    if (why != NULL) {
        plan_error(plan, 400, why, "", out);
        return;
    }
    s = frontier ? frontier_ideal_crawl(&srv->cfg, w, (int)stages)
                 : frontier_ideal_ids(&srv->cfg, n, w);
    ob_init(&body, small, sizeof small);
    if (s < 0)
        body.oom = 1;
    else
        ob_printf(&body, "{\"ideal_s\":%.3f}\n", s);
    reply_built(out, &body, plan);
}

/* ---- pages ---- */

/* The page's own delay, before any ?delay_ms=. */
static long page_delay(const struct srv_config *cfg, enum route r, long id)
{
    long lo, hi;

    if (r == ROUTE_DETAIL)
        return dplan_delay_ms(cfg->seed, id, cfg->delay_min_ms, cfg->delay_max_ms);
    if (r == ROUTE_LIST) {
        frontier_list_range(cfg, &lo, &hi);
        return dplan_list_delay_ms(cfg->seed, id, lo, hi);
    }
    return cfg->delay_min_ms;
}

/* A page: no bytes yet, just how long it waits (?delay_ms= overrides),
 * and for a detail or list page, its fetch count (a list page meets no
 * random fault: the --*-rate switches are for details). */
static void route_delay(struct srv *srv, const struct http_req *req, enum route r,
                        struct outbuf *out, struct plan *plan)
{
    const struct srv_config *cfg = &srv->cfg;
    const char *v;
    size_t vlen;
    long d = page_delay(cfg, r, plan->id);

    if (http_query_param(req->query, req->query_len, "delay_ms", &v, &vlen) &&
        http_parse_uint(v, vlen, MAX_DELAY, &d) != 0) {
        plan_error(plan, 400, "delay_ms must be 0..60000", "", out);
        return;
    }
    plan->status = 0;
    plan->page = r == ROUTE_INDEX ? PAGE_INDEX : r == ROUTE_LIST ? PAGE_LIST : PAGE_DETAIL;
    plan->delay_ms = d < cfg->delay_cap_ms ? d : cfg->delay_cap_ms;
    if (r == ROUTE_DETAIL) {
        plan->attempt = srv_count_fetch(srv, plan->id);
        plan->fault = dplan_fault(cfg->seed, plan->id, plan->attempt, &cfg->rates);
    } else if (r == ROUTE_LIST) {
        plan->attempt = srv_count_list(srv, plan->id);
    }
}

void route_request(struct srv *srv, const struct http_req *req, int pages_only, struct outbuf *out,
                   struct plan *plan)
{
    enum route r;
    const char *v;
    size_t vlen;

    memset(plan, 0, sizeof *plan);
    plan->close = req->want_close;
    plan->keep_alive_header = req->minor_version == 0 && !req->want_close;
    r = route_match(req, srv->cfg.pages, &plan->id);
    /* The unix socket is a graded program's only way out: it gets the
     * pages of its job, each with the server's own delay, and nothing it
     * could use to move the counters (an index page held in flight, a
     * ?delay_ms= of its choosing) or to know the answers (/plan names
     * every list page's details and every delay; /ideal, the schedule). */
    if (r == ROUTE_NONE ||
        (pages_only && r != ROUTE_DETAIL && r != ROUTE_LIST && r != ROUTE_HEALTHZ))
        plan_error(plan, 404,
                   pages_only ? "no such page (try /detail/<id>, /list/<P>, /healthz)"
                              : "no such page (try /, /index, /detail/<id>, /list/<P>, "
                                "/plan?n=N, /ideal?n=N&w=W, /stats, /log, /healthz)",
                   "", out);
    else if (pages_only && http_query_param(req->query, req->query_len, "delay_ms", &v, &vlen))
        plan_error(plan, 400, "on this socket every page has the server's own delay", "", out);
    else if (req->method_len != 3 || memcmp(req->method, "GET", 3) != 0)
        plan_error(plan, 405, "only GET is served", "Allow: GET\r\n", out);
    else if (req->has_body)
        plan_error(plan, 400, "request bodies are not supported", "", out);
    else if (r == ROUTE_STATS)
        route_stats(srv, req, out, plan);
    else if (r == ROUTE_PLAN)
        route_plan(srv, req, out, plan);
    else if (r == ROUTE_LOG)
        route_log(srv, out, plan);
    else if (r == ROUTE_IDEAL)
        route_ideal(srv, req, out, plan);
    else if (r == ROUTE_HEALTHZ) {
        plan->status = 200;
        reply(out, 200, TEXT, "", "ok\n", 3, plan);
    } else
        route_delay(srv, req, r, out, plan);
}

int route_cut_page(const struct plan *plan, struct outbuf *out)
{
    char body[64];
    int n = snprintf(body, sizeof body, "{\"id\":%ld,", plan->id);

    ob_printf(out,
              "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
              "Connection: close\r\n\r\n%s",
              JSON, n + 100, body);
    return 200;
}

/* The seed's page: Hello World and the wall time it was answered. */
static int index_body(char *body, size_t cap)
{
    struct timespec ts = {0};
    struct tm tm;
    char when[32] = "?";

    if (clock_gettime(CLOCK_REALTIME, &ts) == 0 && localtime_r(&ts.tv_sec, &tm) != NULL)
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    return snprintf(body, cap, "<h1>Hello World : %s.%06ld</h1>\n", when, ts.tv_nsec / 1000);
}

/* List page P, or its injected 500 (--list-fail-ids); 503 when memory
 * runs out while building it. */
static int list_page(const struct srv *srv, const struct plan *plan, struct outbuf *out)
{
    char small[SRV_OUT_SMALL];
    struct outbuf body;
    int status = 200;

    ob_init(&body, small, sizeof small);
    if (idlist_has(&srv->cfg.list_fail_ids, plan->id)) {
        status = 500;
        ob_printf(&body,
                  "500 Internal Server Error: injected failure for list page %ld "
                  "(attempt %ld, --list-fail-ids)\n",
                  plan->id, plan->attempt);
    } else {
        frontier_list_body(&srv->cfg, plan->id, &body);
    }
    if (!body.oom)
        reply(out, status, status == 200 ? HTML : TEXT, "", body.p, body.len, plan);
    if (body.oom || out->oom) { /* a 503 fits in the small buffer: never a page cut short */
        static const char oom[] = "503 Service Unavailable: out of memory\n";

        ob_clear(out);
        status = 503;
        reply(out, status, TEXT, "", oom, sizeof oom - 1, plan);
    }
    ob_clear(&body);
    return status;
}

int route_page(const struct srv *srv, const struct plan *plan, struct outbuf *out)
{
    char body[256];
    long id = plan->id;
    int n;

    if (plan->page == PAGE_LIST)
        return list_page(srv, plan, out);
    if (plan->page == PAGE_INDEX) {
        n = index_body(body, sizeof body);
        reply(out, 200, HTML, "", body, (size_t)n, plan);
        return 200;
    }
    if (idlist_has(&srv->cfg.fail_ids, id) || plan->fault == DPLAN_FAIL) {
        n = snprintf(body, sizeof body,
                     "500 Internal Server Error: injected failure for id %ld "
                     "(attempt %ld, %s)\n",
                     id, plan->attempt, plan->fault == DPLAN_FAIL ? "--fail-rate" : "--fail-ids");
        reply(out, 500, TEXT, "", body, (size_t)n, plan);
        return 500;
    }
    if (idlist_has(&srv->cfg.wrong_ids, id))
        id++; /* a wrong page, so a client's body check has work */
    n = snprintf(body, sizeof body, "{\"id\":%ld,\"url\":\"/detail/%ld\",\"delay_ms\":%ld}\n", id,
                 id, plan->delay_ms);
    reply(out, 200, JSON, "", body, (size_t)n, plan);
    return 200;
}
