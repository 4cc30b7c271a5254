/* SPDX-License-Identifier: MIT */
/* routes.c -- from a parsed request to a response: which page, how long it
 * waits, and the bytes of every response. It never touches a socket:
 * conn.c sends what is built here, so a route is easy to read and test. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "server.h"

enum route { ROUTE_NONE, ROUTE_INDEX, ROUTE_DETAIL, ROUTE_STATS, ROUTE_HEALTHZ };

#define TEXT "text/plain; charset=utf-8"
#define JSON "application/json"

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

/* Status line, headers and body into out. Every response says its
 * Content-Length, so keep-alive clients know where it ends. Returns the
 * length, or 0 if it did not fit (the bodies built here always do). */
static size_t reply(char *out, size_t cap, int status, const char *ctype, const char *extra,
                    const char *body, const struct plan *plan)
{
    const char *conn = plan->close               ? "Connection: close\r\n"
                       : plan->keep_alive_header ? "Connection: keep-alive\r\n"
                                                 : "";
    int n = snprintf(out, cap,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\n%s%s\r\n%s",
                     status, reason(status), ctype, strlen(body), conn, extra, body);

    return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

/* An error: a one-line text body saying what is wrong, then close, since
 * after a bad request we cannot trust where the next one starts. */
static void plan_error(struct plan *plan, int status, const char *why, const char *extra, char *out,
                       size_t cap)
{
    char body[256];

    snprintf(body, sizeof body, "%d %s: %s\n", status, reason(status), why);
    plan->status = status;
    plan->close = 1;
    plan->len = reply(out, cap, status, TEXT, extra, body, plan);
}

size_t route_error(int status, const char *why, char *out, size_t cap)
{
    struct plan plan = {.close = 1};

    plan_error(&plan, status, why, "", out, cap);
    return plan.len;
}

static int path_is(const struct http_req *req, const char *path)
{
    return req->path_len == strlen(path) && memcmp(req->path, path, req->path_len) == 0;
}

static enum route route_match(const struct http_req *req, long *id)
{
    static const char detail[] = "/detail/";
    const size_t dlen = sizeof detail - 1;

    if (path_is(req, "/") || path_is(req, "/index"))
        return ROUTE_INDEX;
    if (path_is(req, "/stats"))
        return ROUTE_STATS;
    if (path_is(req, "/healthz"))
        return ROUTE_HEALTHZ;
    if (req->path_len > dlen && memcmp(req->path, detail, dlen) == 0 &&
        http_parse_uint(req->path + dlen, req->path_len - dlen, SRV_MAX_ID, id) == 0 && *id > 0)
        return ROUTE_DETAIL;
    return ROUTE_NONE;
}

/* GET /stats[?reset=1]: the counters; a reset returns the values from
 * before it, so no request is lost between reading and resetting. */
static void route_stats(struct srv *srv, const struct http_req *req, char *out, size_t cap,
                        struct plan *plan)
{
    struct srv_stats *st = &srv->st;
    const char *v;
    size_t vlen;
    long reset = 0;
    char body[256];

    if (http_query_param(req->query, req->query_len, "reset", &v, &vlen) &&
        http_parse_uint(v, vlen, 1, &reset) != 0) {
        plan_error(plan, 400, "reset must be 0 or 1", "", out, cap);
        return;
    }
    snprintf(body, sizeof body,
             "{\"requests\":%lld,\"in_flight\":%lld,\"peak_in_flight\":%lld,"
             "\"connections\":%lld,\"peak_connections\":%lld,"
             "\"errors\":%lld}\n",
             st->requests, st->in_flight, st->peak_in_flight, st->connections, st->peak_connections,
             st->errors);
    if (reset) {
        st->requests = 0;
        st->errors = 0;
        st->peak_in_flight = st->in_flight;
        st->peak_connections = st->connections;
    }
    plan->status = 200;
    plan->len = reply(out, cap, 200, JSON, "", body, plan);
}

/* A page: no bytes yet, just how long it waits (?delay_ms= overrides). */
static void route_delay(const struct srv *srv, const struct http_req *req, enum route r, char *out,
                        size_t cap, struct plan *plan)
{
    const char *v;
    size_t vlen;
    long d = srv->delay_ms;

    if (http_query_param(req->query, req->query_len, "delay_ms", &v, &vlen) &&
        http_parse_uint(v, vlen, 60000, &d) != 0) {
        plan_error(plan, 400, "delay_ms must be 0..60000", "", out, cap);
        return;
    }
    plan->status = 0;
    plan->page = r == ROUTE_INDEX ? PAGE_INDEX : PAGE_DETAIL;
    plan->delay_ms = d;
}

void route_request(struct srv *srv, const struct http_req *req, char *out, size_t cap,
                   struct plan *plan)
{
    enum route r;

    memset(plan, 0, sizeof *plan);
    plan->close = req->want_close;
    plan->keep_alive_header = req->minor_version == 0 && !req->want_close;
    r = route_match(req, &plan->id);
    if (r == ROUTE_NONE)
        plan_error(plan, 404,
                   "no such page (try /, /index, "
                   "/detail/<id>, /stats, /healthz)",
                   "", out, cap);
    else if (req->method_len != 3 || memcmp(req->method, "GET", 3) != 0)
        plan_error(plan, 405, "only GET is served", "Allow: GET\r\n", out, cap);
    else if (req->has_body)
        plan_error(plan, 400, "request bodies are not supported", "", out, cap);
    else if (r == ROUTE_STATS)
        route_stats(srv, req, out, cap, plan);
    else if (r == ROUTE_HEALTHZ) {
        plan->status = 200;
        plan->len = reply(out, cap, 200, TEXT, "", "ok\n", plan);
    } else
        route_delay(srv, req, r, out, cap, plan);
}

/* The seed's page: Hello World and the wall time it was answered. */
static void index_body(char *body, size_t cap)
{
    struct timespec ts = {0};
    struct tm tm;
    char when[32] = "?";

    if (clock_gettime(CLOCK_REALTIME, &ts) == 0 && localtime_r(&ts.tv_sec, &tm) != NULL)
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(body, cap, "<h1>Hello World : %s.%06ld</h1>\n", when, ts.tv_nsec / 1000);
}

int route_page(const struct srv *srv, const struct plan *plan, char *out, size_t cap, size_t *len)
{
    char body[256];
    long id = plan->id;

    if (plan->page == PAGE_INDEX) {
        index_body(body, sizeof body);
        *len = reply(out, cap, 200, "text/html; charset=utf-8", "", body, plan);
        return 200;
    }
    if (idlist_has(&srv->close_ids, id))
        return 0;
    if (idlist_has(&srv->fail_ids, id)) {
        snprintf(body, sizeof body,
                 "500 Internal Server Error: "
                 "injected failure for id %ld (--fail-ids)\n",
                 id);
        *len = reply(out, cap, 500, TEXT, "", body, plan);
        return 500;
    }
    if (idlist_has(&srv->wrong_ids, id))
        id++; /* a wrong page, so a client's body check has work */
    snprintf(body, sizeof body, "{\"id\":%ld,\"url\":\"/detail/%ld\",\"delay_ms\":%ld}\n", id, id,
             plan->delay_ms);
    *len = reply(out, cap, 200, JSON, "", body, plan);
    return 200;
}
