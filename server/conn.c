/* SPDX-License-Identifier: MIT */
/* conn.c -- one connection's life: accept, read, parse, wait, send, close.
 * One request at a time per connection: bytes of a pipelined next request
 * wait in in[] until the current answer is sent, so answers keep their
 * order. A page's delay is an el timer -- no thread, no sleep, no fd --
 * and so is every deadline: one timer per connection, whose kind follows
 * the state (idle or head while reading, the delay while waiting, a write
 * stall while writing, the linger while closing). */
#include "conn.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_parse.h"
#include "routes.h"

#define LINGER_MS       1000 /* a closing conn drains the peer this long */
#define ACCEPT_PAUSE_MS 100  /* accept rests this long when out of fds */
#define ACCEPT_BATCH    64   /* connections accepted per loop turn, at most */
#define IN_SMALL        1024 /* a head up to this size needs no buffer of its own */
_Static_assert(IN_SMALL <= HTTP_MAX_HEAD, "in_small is where in[] starts");

enum conn_state {
    CONN_READING, /* waiting for (the rest of) a request head */
    CONN_WAITING, /* a page's delay timer is running (or a stall) */
    CONN_WRITING, /* out is being sent */
    CONN_LINGER,  /* answered and write side shut: drain until EOF */
};

enum timer_kind {
    T_NONE,
    T_IDLE,   /* keep-alive, nothing received: --idle-timeout-ms */
    T_HEAD,   /* part of a head received: --header-timeout-ms */
    T_DELAY,  /* the page's delay */
    T_WRITE,  /* a response that cannot be written: --write-timeout-ms */
    T_LINGER, /* draining before close */
};

struct conn {
    struct srv *srv;
    struct conn *prev, *next; /* srv->conns */
    int fd;
    int pages_only; /* accepted from --unix */
    enum conn_state state;
    int mask;        /* interest registered with the loop */
    int eof;         /* peer shut its side: no more requests come */
    int in_flight;   /* our page counts in srv->st.in_flight */
    int peer_pid;    /* the client process (unix socket), 0 if unknown */
    size_t rec;      /* the page's timeline entry (srv_log_start), 0 if none */
    int cut;         /* the page in out is cut short on purpose (--cut-ids) */
    int status;      /* of the response in out: for the counters */
    long long timer; /* the one timer below; 0 if none */
    enum timer_kind timer_kind;
    size_t timer_outoff; /* T_WRITE: outoff when armed (progress re-arms) */
    struct plan plan;    /* the request being answered */
    char *in;            /* request bytes: in_small, or malloc'd when a head is bigger */
    size_t incap;        /* in[]'s size: IN_SMALL, doubled up to HTTP_MAX_HEAD */
    size_t inlen;        /* bytes held in in[] */
    size_t outoff;       /* out.p[0..outoff) of out.len is sent */
    struct outbuf out;   /* the response; out_small unless it is big */
    /* Buffers last: only the fields above are initialised, so an idle
     * connection touches few of these pages. Small, so that a connection
     * is cheap to make (thousands at once; sanitizers pay per byte). */
    char in_small[IN_SMALL];
    char out_small[SRV_OUT_SMALL];
};

static void conn_io_cb(struct el *el, int fd, int mask, void *arg);
static long conn_timer_cb(struct el *el, long long id, void *arg);
static int conn_process(struct conn *c);

static void conn_stop_timer(struct conn *c)
{
    if (c->timer != 0)
        el_timer_del(c->srv->el, c->timer);
    c->timer = 0;
    c->timer_kind = T_NONE;
}

/* Always returns -1, so callers can `return conn_close(c);` to say
 * "c is gone". Undoes the counters c held: a page still waiting when its
 * connection goes was abandoned by the client, never answered. */
static int conn_close(struct conn *c)
{
    struct srv *srv = c->srv;

    conn_stop_timer(c);
    if (el_fd_del(srv->el, c->fd, EL_READ | EL_WRITE | EL_HUP) == -1)
        srv_warn(srv, WARN_ACCEPT, "epoll_ctl: %s", strerror(errno));
    if (close(c->fd) == -1)
        srv_warn(srv, WARN_ACCEPT, "close: %s", strerror(errno));
    if (c->in_flight) {
        srv->st.in_flight--;
        srv->st.aborted++;
        srv_log_end(srv, c->rec, END_ABORTED, 0);
    }
    srv->st.connections--;
    if (c->in != c->in_small)
        free(c->in);
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    ob_clear(&c->out);
    free(c);
    return -1;
}

void conn_free_all(struct srv *srv)
{
    while (srv->conns != NULL)
        conn_close(srv->conns);
}

/* The page is dropped on purpose (--reset-rate, --close-ids): not an
 * abort, not an answer. rst: SO_LINGER 0, so close() sends a reset. */
static int conn_drop(struct conn *c, int rst)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};

    if (rst && setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == -1)
        srv_warn(c->srv, WARN_ACCEPT, "SO_LINGER: %s", strerror(errno));
    if (c->in_flight) {
        c->in_flight = 0;
        c->srv->st.in_flight--;
        srv_log_end(c->srv, c->rec, END_DROPPED, 0);
    }
    c->srv->st.resets++;
    return conn_close(c);
}

/* Replace c's timer. 0, or -1: out of memory, c is gone. */
static int conn_set_timer(struct conn *c, enum timer_kind kind, long ms)
{
    conn_stop_timer(c);
    c->timer = el_timer_add(c->srv->el, ms, conn_timer_cb, c);
    if (c->timer == -1) {
        c->timer = 0;
        srv_warn(c->srv, WARN_NOMEM, "out of memory: dropping a connection");
        return conn_close(c);
    }
    c->timer_kind = kind;
    c->timer_outoff = c->outoff;
    return 0;
}

/* The deadline this state needs, armed once: a head's deadline runs from
 * its first byte however slowly the rest comes; a write's from the last
 * byte that moved. */
static int conn_update_deadline(struct conn *c)
{
    const struct srv_config *cfg = &c->srv->cfg;

    if (c->state == CONN_READING && c->inlen == 0 && c->timer_kind != T_IDLE)
        return conn_set_timer(c, T_IDLE, cfg->idle_timeout_ms);
    if (c->state == CONN_READING && c->inlen > 0 && c->timer_kind != T_HEAD)
        return conn_set_timer(c, T_HEAD, cfg->header_timeout_ms);
    if (c->state == CONN_WRITING && c->outoff < c->out.len &&
        (c->timer_kind != T_WRITE || c->timer_outoff != c->outoff))
        return conn_set_timer(c, T_WRITE, cfg->write_timeout_ms);
    return 0;
}

/* Ask the loop for what this state needs: read while there is room (also
 * while waiting, so a hang-up is seen early; with no room, the hang-up
 * alone), write while out is stuck; then the deadline that goes with it. */
static int conn_update_events(struct conn *c)
{
    struct el *el = c->srv->el;
    int want = EL_NONE;

    if (!c->eof && c->inlen < HTTP_MAX_HEAD)
        want |= EL_READ;
    else if (!c->eof && c->state == CONN_WAITING)
        want |= EL_HUP; /* in[] full of pipelined bytes: still see the client leave */
    if (c->state == CONN_WRITING && c->outoff < c->out.len)
        want |= EL_WRITE;
    if (want != c->mask) {
        if (el_fd_del(el, c->fd, c->mask & ~want) == -1 ||
            el_fd_add(el, c->fd, want & ~c->mask, conn_io_cb, c) == -1) {
            srv_warn(c->srv, WARN_NOMEM, "epoll_ctl: %s", strerror(errno));
            return conn_close(c);
        }
        c->mask = want;
    }
    return conn_update_deadline(c);
}

/* Close after an answer without losing it: close() with unread input
 * sends RST, which can destroy the answer before the client reads it.
 * So shut our side, drain what the peer still sends, then close. */
static int conn_linger(struct conn *c)
{
    if (c->eof || shutdown(c->fd, SHUT_WR) == -1)
        return conn_close(c);
    if (conn_set_timer(c, T_LINGER, LINGER_MS) == -1)
        return -1;
    c->state = CONN_LINGER;
    c->inlen = 0;
    return 0;
}

/* The response is in the kernel's hands: count it, then go on. */
static int conn_sent(struct conn *c)
{
    struct srv_stats *st = &c->srv->st;

    if (c->in_flight) {
        c->in_flight = 0;
        st->in_flight--;
        st->requests++;
        srv_log_end(c->srv, c->rec, c->cut ? END_CUT : END_ANSWERED, c->status);
    }
    if (c->status >= 400)
        st->errors++;
    ob_clear(&c->out); /* frees a big /stats or /plan */
    c->outoff = 0;
    if (c->plan.close)
        return conn_linger(c);
    c->state = CONN_READING;
    return 0;
}

/* Send what is left of out. 0: sent, or the rest waits for EL_WRITE
 * (conn_update_events arms it); -1: c is gone. */
static int conn_flush(struct conn *c)
{
    while (c->outoff < c->out.len) {
        ssize_t n = send(c->fd, c->out.p + c->outoff, c->out.len - c->outoff, MSG_NOSIGNAL);

        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n == -1)
            return conn_close(c);
        c->outoff += (size_t)n;
    }
    return conn_sent(c);
}

/* A page's delay is over: drop it, or build it now (the index page shows
 * this time) and send it. */
static void conn_due(struct conn *c)
{
    struct srv *srv = c->srv;

    if (c->plan.page == PAGE_DETAIL && idlist_has(&srv->cfg.close_ids, c->plan.id)) {
        conn_drop(c, 0); /* --close-ids: hang up unanswered */
        return;
    }
    if (c->plan.page == PAGE_DETAIL && c->plan.fault == DPLAN_RESET) {
        conn_drop(c, 1);
        return;
    }
    c->cut = c->plan.page == PAGE_DETAIL && idlist_has(&srv->cfg.cut_ids, c->plan.id);
    if (c->cut) { /* --cut-ids: half a page, then close */
        c->plan.close = 1;
        c->status = route_cut_page(&c->plan, &c->out);
    } else {
        c->status = route_page(srv, &c->plan, &c->out);
    }
    if (c->plan.fault == DPLAN_FAIL)
        srv->st.failed_faults++;
    c->outoff = 0;
    c->state = CONN_WRITING;
    /* Send at once instead of arming EL_WRITE and waiting a loop turn:
     * the socket buffer is almost always empty, so one send() does it. */
    if (conn_flush(c) == 0 && (c->state != CONN_READING || conn_process(c) == 0))
        conn_update_events(c);
}

static long conn_timer_cb(struct el *el, long long id, void *arg)
{
    struct conn *c = arg;
    enum timer_kind kind = c->timer_kind;

    (void)el;
    (void)id;
    c->timer = 0;
    c->timer_kind = T_NONE;
    switch (kind) {
    case T_DELAY:
        conn_due(c);
        break;
    case T_HEAD:
    case T_WRITE:
        c->srv->st.timeouts++;
        conn_close(c);
        break;
    default: /* idle keep-alive, linger: a normal end */
        conn_close(c);
    }
    return EL_NOMORE;
}

static void conn_consume(struct conn *c, size_t used)
{
    memmove(c->in, c->in + used, c->inlen - used);
    c->inlen -= used;
}

/* A parsed request: answer now, or start the page's delay timer (none
 * for a stall: it waits until the client leaves). */
static int conn_dispatch(struct conn *c, const struct http_req *req, size_t used)
{
    struct srv *srv = c->srv;

    conn_stop_timer(c); /* this head's deadline is met */
    route_request(srv, req, c->pages_only, &c->out, &c->plan);
    conn_consume(c, used); /* only now: req points into in[] */
    if (c->plan.status != 0) {
        c->status = c->plan.status;
        c->outoff = 0;
        c->state = CONN_WRITING;
        return 0;
    }
    if (c->plan.page == PAGE_DETAIL &&
        (c->plan.fault == DPLAN_STALL || idlist_has(&srv->cfg.stall_ids, c->plan.id))) {
        srv->st.stalls++;
        /* --stall-ms: answered in the end, so a client with no timeout
         * still finishes (late), instead of waiting forever */
        if (srv->cfg.stall_ms > 0 && conn_set_timer(c, T_DELAY, srv->cfg.stall_ms) == -1)
            return -1;
    } else if (conn_set_timer(c, T_DELAY, c->plan.delay_ms) == -1) {
        return -1;
    }
    c->state = CONN_WAITING;
    c->in_flight = 1;
    c->rec = c->plan.page == PAGE_INDEX ? 0
                                        : srv_log_start(srv, c->plan.id, c->plan.attempt,
                                                        c->plan.page == PAGE_LIST, c->peer_pid);
    if (++srv->st.in_flight > srv->st.peak_in_flight)
        srv->st.peak_in_flight = srv->st.in_flight;
    return 0;
}

/* Broken or oversized head: answer it, then close (the rest is junk). */
static void conn_error(struct conn *c, int status, const char *why)
{
    if (why == NULL)
        why = status == 431 ? "request head over 8192 bytes" : "malformed request head";
    ob_clear(&c->out);
    route_error(status, why, &c->out);
    c->outoff = 0;
    c->status = status;
    c->plan.close = 1;
    c->inlen = 0;
    c->state = CONN_WRITING;
}

/* Parse and answer requests from in[] while not busy with one. */
static int conn_process(struct conn *c)
{
    while (c->state == CONN_READING) {
        struct http_req req;
        int rc = http_parse_request(c->in, c->inlen, &req);
        int status = http_head_status(rc, c->inlen);

        if (status != 0)
            conn_error(c, status, rc == -1 ? req.why : NULL);
        else if (rc == -2)
            return c->eof ? conn_close(c) : 0;
        else if (conn_dispatch(c, &req, (size_t)rc) == -1)
            return -1;
        if (c->state == CONN_WRITING && conn_flush(c) == -1)
            return -1;
    }
    return 0;
}

/* in[] is full: double it, up to HTTP_MAX_HEAD. 0, or -1: out of
 * memory, c is gone. */
static int conn_grow_in(struct conn *c)
{
    size_t cap = c->incap * 2 < HTTP_MAX_HEAD ? c->incap * 2 : HTTP_MAX_HEAD;
    char *p = c->in == c->in_small ? malloc(cap) : realloc(c->in, cap);

    if (p == NULL) {
        srv_warn(c->srv, WARN_NOMEM, "out of memory: dropping a connection");
        return conn_close(c);
    }
    if (c->in == c->in_small)
        memcpy(p, c->in_small, c->inlen);
    c->in = p;
    c->incap = cap;
    return 0;
}

static int conn_on_readable(struct conn *c)
{
    ssize_t n;

    if (c->state == CONN_LINGER)
        c->inlen = 0; /* drained input is dropped */
    if (c->inlen == HTTP_MAX_HEAD)
        return 0; /* no room: recv() of 0 bytes would look like EOF */
    if (c->inlen == c->incap && conn_grow_in(c) == -1)
        return -1;
    n = recv(c->fd, c->in + c->inlen, c->incap - c->inlen, 0);
    if (n == -1)
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : conn_close(c);
    if (n == 0) {
        c->eof = 1;
        /* The client gave up on the page it waits for (a client that
         * only half-closes looks the same: HTTP clients do not). */
        if (c->state == CONN_WAITING)
            return conn_close(c);
    }
    c->inlen += (size_t)n;
    if (c->state == CONN_LINGER)
        return c->eof ? conn_close(c) : 0;
    return c->state == CONN_READING ? conn_process(c) : 0;
}

static void conn_io_cb(struct el *el, int fd, int mask, void *arg)
{
    struct conn *c = arg;

    (void)el;
    (void)fd;
    if ((mask & EL_HUP) && c->state == CONN_WAITING) {
        conn_close(c); /* the client left its page: aborted */
        return;
    }
    if ((mask & EL_READ) && conn_on_readable(c) == -1)
        return;
    if ((mask & EL_WRITE) && c->state == CONN_WRITING) {
        if (conn_flush(c) == -1)
            return;
        if (c->state == CONN_READING && conn_process(c) == -1)
            return;
    }
    conn_update_events(c);
}

/* ---- accepting ---- */

/* The process at the other end of a unix socket, as the kernel saw it
 * connect (in this server's pid namespace); 0 if it cannot tell. */
static int peer_pid(int fd)
{
    struct ucred cred;
    socklen_t len = sizeof cred;

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 || len != sizeof cred)
        return 0;
    return (int)cred.pid;
}

int conn_adopt(struct srv *srv, int fd, int pages_only)
{
    struct conn *c = malloc(sizeof *c);

    if (c == NULL) {
        srv_warn(srv, WARN_NOMEM, "out of memory: refusing a connection");
        close(fd); /* nothing more to do if this fails too */
        return -1;
    }
    memset(c, 0, offsetof(struct conn, in_small));
    c->srv = srv;
    c->in = c->in_small;
    c->incap = sizeof c->in_small;
    c->fd = fd;
    c->pages_only = pages_only;
    c->peer_pid = pages_only ? peer_pid(fd) : 0;
    c->state = CONN_READING;
    ob_init(&c->out, c->out_small, sizeof c->out_small);
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    if (++srv->st.connections > srv->st.peak_connections)
        srv->st.peak_connections = srv->st.connections;
    return conn_update_events(c);
}

/* Over --max-conns: a best-effort 503 and close, with no conn at all. */
static void conn_refuse(struct srv *srv, int fd)
{
    char small[512];
    struct outbuf out;

    ob_init(&out, small, sizeof small);
    route_error(503, "too many connections (--max-conns)", &out);
    if (send(fd, out.p, out.len, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)out.len)
        srv->st.errors++;
    ob_clear(&out);
    srv_warn(srv, WARN_MAXCONN, "%ld connections open (--max-conns): refusing more",
             srv->cfg.max_conns);
    if (close(fd) == -1)
        srv_warn(srv, WARN_ACCEPT, "close: %s", strerror(errno));
}

int conn_listen_resume(struct srv *srv)
{
    if (el_fd_add(srv->el, srv->listen_fd, EL_READ, conn_accept_cb, srv) == -1)
        return -1;
    if (srv->unix_fd != -1 && el_fd_add(srv->el, srv->unix_fd, EL_READ, conn_accept_cb, srv) == -1)
        return -1;
    return 0;
}

static long accept_resume_cb(struct el *el, long long id, void *arg)
{
    struct srv *srv = arg;

    (void)el;
    (void)id;
    if (conn_listen_resume(srv) == -1)
        return ACCEPT_PAUSE_MS; /* try again later */
    srv->accept_timer = 0;
    return EL_NOMORE;
}

/* Level-triggered epoll would report the full queue again at once and
 * spin: stop watching the listeners for a while instead. */
static void accept_pause(struct srv *srv)
{
    if (srv->accept_timer != 0)
        return;
    srv->accept_timer = el_timer_add(srv->el, ACCEPT_PAUSE_MS, accept_resume_cb, srv);
    if (srv->accept_timer == -1) {
        srv->accept_timer = 0;
        return;
    }
    if (el_fd_del(srv->el, srv->listen_fd, EL_READ) == -1 ||
        (srv->unix_fd != -1 && el_fd_del(srv->el, srv->unix_fd, EL_READ) == -1))
        srv_warn(srv, WARN_ACCEPT, "epoll_ctl: %s", strerror(errno));
}

/* One accept4(). Returns 1 to go on draining the queue, 0 to stop. */
static int accept_one(struct srv *srv, int lfd)
{
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

    if (fd >= 0) {
        if (srv->st.connections >= srv->cfg.max_conns)
            conn_refuse(srv, fd);
        else
            conn_adopt(srv, fd, lfd == srv->unix_fd);
        return 1;
    }
    switch (errno) {
    case EAGAIN: /* drained */
        return 0;
    case EINTR:
    case ECONNABORTED: /* the peer gave up while queued: next one */
    case EPROTO:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
        return 1; /* accept(2): treat network errors as "retry" */
    case EMFILE:
    case ENFILE:
        srv_warn(srv, WARN_NOFILE,
                 "out of file descriptors: refusing connections "
                 "(raise ulimit -n)");
        break;
    default:
        srv_warn(srv, WARN_ACCEPT, "accept: %s", strerror(errno));
    }
    accept_pause(srv);
    return 0;
}

/* Take up to ACCEPT_BATCH connections per turn, then let the loop serve
 * the other ready fds and due timers: draining the whole queue in one
 * callback held every open connection up for as long as a burst of
 * thousands of connects kept coming (2,000 of them: up to 100 ms, and
 * 350-550 ms under ThreadSanitizer). The listener is level-triggered, so a
 * queue with more in it wakes the next epoll_wait at once: the queue is
 * still drained at full speed and does not overflow. */
void conn_accept_cb(struct el *el, int fd, int mask, void *srv)
{
    (void)el;
    (void)mask;
    for (int i = 0; i < ACCEPT_BATCH && accept_one(srv, fd); i++)
        ;
}
