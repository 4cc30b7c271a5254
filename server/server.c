/* SPDX-License-Identifier: MIT */
/* server.c -- delay-server's main: options, the listening socket, signals.
 * A single-threaded HTTP/1.1 server that answers every page after a delay,
 * for measuring crawlers: conn.c runs connections, routes.c the pages.
 * No TLS, no bodies, no chunked encoding: a test server, on purpose. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

#define LISTEN_BACKLOG 65535 /* the kernel clamps it to somaxconn */

static const char usage_text[] =
    "usage: delay-server [options]\n"
    "Answers GET /, /index and /detail/<id> after a delay; /stats and\n"
    "/healthz at once. Prints the URL it listens on as its first line.\n"
    "  --host ADDR        numeric IPv4/IPv6 address (default 127.0.0.1)\n"
    "  --port N           0..65535, 0 picks a free port (default 8080)\n"
    "  --delay-ms N       page delay 0..600000 (default 1000);\n"
    "                     ?delay_ms=N (0..60000) overrides per request\n"
    "  --max-conns N      1..1000000 open connections (default 10000);\n"
    "                     more are answered 503 and closed\n"
    "  --fail-ids LIST    these /detail ids get 500 after the delay\n"
    "  --wrong-ids LIST   these /detail ids get the page of id+1\n"
    "  --close-ids LIST   these /detail ids are hung up on after the delay\n"
    "                     LIST: up to 1024 comma-separated ids 1..2147483647\n"
    "  --quiet            no start/stop lines on stderr\n"
    "  --help, --version\n"
    "GET /stats[?reset=1] returns the counters as JSON.\n";

static const struct option long_opts[] = {
    {"host", required_argument, NULL, 'H'},
    {"port", required_argument, NULL, 'p'},
    {"delay-ms", required_argument, NULL, 'd'},
    {"max-conns", required_argument, NULL, 'm'},
    {"fail-ids", required_argument, NULL, 'f'},
    {"wrong-ids", required_argument, NULL, 'w'},
    {"close-ids", required_argument, NULL, 'c'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

void srv_warn(struct srv *srv, enum srv_warn_kind kind, const char *fmt, ...)
{
    long long now = el_now_us();
    va_list ap;

    /* A flood of failures must not become a flood of lines. */
    if (srv->last_warn_us[kind] != 0 && now - srv->last_warn_us[kind] < 1000000)
        return;
    srv->last_warn_us[kind] = now;
    fputs("delay-server: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;

    return (x > y) - (x < y);
}

int idlist_has(const struct idlist *l, long id)
{
    return l->n > 0 && bsearch(&id, l->ids, l->n, sizeof id, cmp_long) != NULL;
}

/* ---- options ---- */

static int opt_range(const char *flag, const char *arg, long lo, long hi, long *out, char *err,
                     size_t errsz)
{
    long v;

    if (http_parse_uint(arg, strlen(arg), hi, &v) == 0 && v >= lo) {
        *out = v;
        return 0;
    }
    snprintf(err, errsz, "%s must be an integer %ld..%ld (got \"%s\")", flag, lo, hi, arg);
    return -1;
}

static int opt_ids(const char *flag, const char *arg, struct idlist *l, char *err, size_t errsz)
{
    const char *p = arg;

    for (l->n = 0;; p += strcspn(p, ",") + 1) {
        size_t len = strcspn(p, ",");
        long id;

        if (l->n == SRV_MAX_IDS || http_parse_uint(p, len, SRV_MAX_ID, &id) != 0 || id == 0) {
            snprintf(err, errsz,
                     "%s must be a comma-separated list of "
                     "up to %d ids 1..%d (got \"%s\")",
                     flag, SRV_MAX_IDS, SRV_MAX_ID, arg);
            return -1;
        }
        l->ids[l->n++] = id;
        if (p[len] == '\0')
            break;
    }
    qsort(l->ids, l->n, sizeof l->ids[0], cmp_long);
    return 0;
}

static int opt_host(const char *arg, char *err, size_t errsz)
{
    unsigned char addr[sizeof(struct in6_addr)];

    if (inet_pton(AF_INET, arg, addr) == 1 || inet_pton(AF_INET6, arg, addr) == 1)
        return 0;
    snprintf(err, errsz,
             "--host must be a numeric IPv4 or IPv6 address "
             "(got \"%s\")",
             arg);
    return -1;
}

static int opt_apply(struct srv *srv, int ch, const char *arg, char *err, size_t errsz)
{
    long v = 0;
    int rc = 0;

    switch (ch) {
    case 'H':
        srv->host = arg;
        return opt_host(arg, err, errsz);
    case 'p':
        rc = opt_range("--port", arg, 0, 65535, &v, err, errsz);
        srv->port = (int)v;
        return rc;
    case 'd':
        return opt_range("--delay-ms", arg, 0, 600000, &srv->delay_ms, err, errsz);
    case 'm':
        return opt_range("--max-conns", arg, 1, 1000000, &srv->max_conns, err, errsz);
    case 'f':
        return opt_ids("--fail-ids", arg, &srv->fail_ids, err, errsz);
    case 'w':
        return opt_ids("--wrong-ids", arg, &srv->wrong_ids, err, errsz);
    case 'c':
        return opt_ids("--close-ids", arg, &srv->close_ids, err, errsz);
    case 'q':
        srv->quiet = 1;
        return 0;
    }
    snprintf(err, errsz, "internal error: option %d", ch);
    return -1;
}

/* 0: run; 1: --help or --version printed; -1: usage error, said in err. */
static int parse_args(struct srv *srv, int argc, char **argv, char *err, size_t errsz)
{
    int ch;

    opterr = 0; /* we print one line of our own */
    while ((ch = getopt_long(argc, argv, ":hV", long_opts, NULL)) != -1) {
        if (ch == 'h' || ch == 'V') {
            fputs(ch == 'h' ? usage_text : "delay-server " SUITE_VERSION "\n", stdout);
            return 1;
        }
        if (ch == ':' || ch == '?') {
            snprintf(err, errsz, ch == ':' ? "%s needs a value" : "unknown option \"%s\"",
                     argv[optind - 1]);
            return -1;
        }
        if (opt_apply(srv, ch, optarg, err, errsz) == -1)
            return -1;
    }
    if (optind < argc) {
        snprintf(err, errsz, "unexpected argument \"%s\"", argv[optind]);
        return -1;
    }
    return 0;
}

/* ---- start and stop ---- */

/* Every connection is an fd: take all the kernel allows us. */
static void raise_nofile(struct srv *srv)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
        srv_warn(srv, WARN_NOFILE, "getrlimit: %s", strerror(errno));
        return;
    }
    if (rl.rlim_max == RLIM_INFINITY)
        rl.rlim_max = 1 << 20; /* setrlimit rejects infinity here */
    if (rl.rlim_cur >= rl.rlim_max)
        return;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
        srv_warn(srv, WARN_NOFILE, "setrlimit: %s", strerror(errno));
}

/* The real port (--port 0 lets the kernel choose one). */
static int local_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;

    if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
        return -1;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static int srv_listen(struct srv *srv, char *err, size_t errsz)
{
    struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV,
                             .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai;
    char port[16];
    int one = 1, rc;

    snprintf(port, sizeof port, "%d", srv->port);
    if ((rc = getaddrinfo(srv->host, port, &hints, &ai)) != 0) {
        snprintf(err, errsz, "%s: %s", srv->host, gai_strerror(rc));
        return -1;
    }
    srv->listen_fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    /* TCP_NODELAY: each answer is one small send(), and Nagle would hold
     * the second of two pipelined answers for the client's delayed ACK.
     * Linux copies it to every accepted socket: one call, not one each. */
    rc = srv->listen_fd == -1 ||
         setsockopt(srv->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1 ||
         setsockopt(srv->listen_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1 ||
         bind(srv->listen_fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
         listen(srv->listen_fd, LISTEN_BACKLOG) == -1 ||
         (srv->port = local_port(srv->listen_fd)) == -1;
    freeaddrinfo(ai);
    if (rc) {
        snprintf(err, errsz, "cannot listen on %s port %s: %s", srv->host, port, strerror(errno));
        return -1;
    }
    return el_fd_add(srv->el, srv->listen_fd, EL_READ, conn_accept_cb, srv);
}

static void signal_cb(struct el *el, int fd, int mask, void *arg)
{
    struct srv *srv = arg;
    struct signalfd_siginfo si;

    (void)mask;
    if (read(fd, &si, sizeof si) != (ssize_t)sizeof si)
        return; /* EAGAIN: someone else took it */
    if (!srv->quiet)
        fprintf(stderr, "delay-server: %s, stopping\n", strsignal((int)si.ssi_signo));
    el_stop(el);
}

/* SIGINT/SIGTERM arrive as readable bytes on an fd, so stopping is an
 * ordinary event: no handler runs in the middle of a callback. */
static int srv_signals(struct srv *srv, char *err, size_t errsz)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR || sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
        (srv->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1 ||
        el_fd_add(srv->el, srv->signal_fd, EL_READ, signal_cb, srv) == -1) {
        snprintf(err, errsz, "signals: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Say where we listen: the first stdout line, flushed at once, because
 * tests and scripts wait for it to learn the port. */
static int srv_announce(const struct srv *srv, char *err, size_t errsz)
{
    int v6 = strchr(srv->host, ':') != NULL;

    if (printf(v6 ? "http://[%s]:%d\n" : "http://%s:%d\n", srv->host, srv->port) < 0 ||
        fflush(stdout) == EOF) {
        snprintf(err, errsz, "stdout: %s", strerror(errno));
        return -1;
    }
    if (!srv->quiet)
        fprintf(stderr,
                "delay-server: delay %ld ms, at most %ld "
                "connections\n",
                srv->delay_ms, srv->max_conns);
    return 0;
}

static int srv_run(struct srv *srv, char *err, size_t errsz)
{
    raise_nofile(srv);
    tzset(); /* read the zone file now, not inside the first page */
    srv->el = el_create();
    if (srv->el == NULL) {
        snprintf(err, errsz, "event loop: %s", strerror(errno));
        return -1;
    }
    if (srv_signals(srv, err, errsz) == -1 || srv_listen(srv, err, errsz) == -1 ||
        srv_announce(srv, err, errsz) == -1)
        return -1;
    if (el_run(srv->el) == -1) {
        snprintf(err, errsz, "epoll_wait: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static void srv_free(struct srv *srv)
{
    if (srv->el != NULL)
        conn_free_all(srv); /* needs the loop: it unregisters fds */
    if (srv->listen_fd != -1 && close(srv->listen_fd) == -1)
        perror("delay-server: close");
    if (srv->signal_fd != -1 && close(srv->signal_fd) == -1)
        perror("delay-server: close");
    el_free(srv->el);
    free(srv);
}

int main(int argc, char **argv)
{
    struct srv *srv = calloc(1, sizeof *srv);
    char err[512] = "";
    int rc;

    if (srv == NULL) {
        perror("delay-server");
        return 1;
    }
    srv->host = "127.0.0.1";
    srv->port = 8080;
    srv->delay_ms = 1000;
    srv->max_conns = 10000;
    srv->listen_fd = srv->signal_fd = -1;
    rc = parse_args(srv, argc, argv, err, sizeof err);
    if (rc != 0) {
        if (rc == -1)
            fprintf(stderr, "delay-server: %s; see --help\n", err);
        free(srv);
        return rc == -1 ? 2 : 0;
    }
    rc = srv_run(srv, err, sizeof err);
    if (rc == -1)
        fprintf(stderr, "delay-server: %s\n", err);
    srv_free(srv);
    return rc == -1 ? 1 : 0;
}
