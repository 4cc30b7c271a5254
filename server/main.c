/* SPDX-License-Identifier: MIT */
/* main.c -- delay-server's main: the listening sockets, signals, the loop.
 * A single-threaded HTTP/1.1 server that answers every page after a delay,
 * for measuring crawlers. The layers depend one way: el (the loop),
 * http_parse (heads), routes (pages), conn (connections), then this file.
 * No TLS, no bodies, no chunked encoding: a test server, on purpose. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "el.h"
#include "options.h"
#include "state.h"

#define LISTEN_BACKLOG 65535 /* the kernel clamps it to somaxconn */

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

static int listen_tcp(struct srv *srv, char *err, size_t errsz)
{
    struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV,
                             .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai;
    char port[16];
    int one = 1, rc;

    snprintf(port, sizeof port, "%d", srv->cfg.port);
    if ((rc = getaddrinfo(srv->cfg.host, port, &hints, &ai)) != 0) {
        snprintf(err, errsz, "%s: %s", srv->cfg.host, gai_strerror(rc));
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
         (srv->cfg.port = local_port(srv->listen_fd)) == -1;
    freeaddrinfo(ai);
    if (rc) {
        snprintf(err, errsz, "cannot listen on %s port %s: %s", srv->cfg.host, port,
                 strerror(errno));
        return -1;
    }
    return 0;
}

/* A socket file at path from an earlier run that died: remove it. A file
 * of another kind, or a socket a live server still answers on, is kept
 * and refused. 0, or -1 with err said. */
static int unix_clear_stale(const char *path, const struct sockaddr_un *sa, char *err, size_t errsz)
{
    struct stat st;
    int fd, live;

    if (lstat(path, &st) == -1) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errsz, "--unix %s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err, errsz, "--unix %s: exists and is not a socket; not removing it", path);
        return -1;
    }
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
        snprintf(err, errsz, "socket: %s", strerror(errno));
        return -1;
    }
    live = connect(fd, (const struct sockaddr *)sa, sizeof *sa) == 0;
    close(fd);
    if (live) {
        snprintf(err, errsz, "--unix %s: another server listens there", path);
        return -1;
    }
    if (unlink(path) == -1) {
        snprintf(err, errsz, "--unix %s: cannot remove the old socket: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* --unix: the pages-only listener. Mode 0666 so a sandboxed program
 * running as another user can connect. */
static int listen_unix(struct srv *srv, char *err, size_t errsz)
{
    const char *path = srv->cfg.unix_path;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};

    memcpy(sa.sun_path, path, strlen(path) + 1); /* options checked the length */
    if (unix_clear_stale(path, &sa, err, errsz) == -1)
        return -1;
    srv->unix_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (srv->unix_fd == -1 || bind(srv->unix_fd, (struct sockaddr *)&sa, sizeof sa) == -1) {
        snprintf(err, errsz, "--unix %s: %s", path, strerror(errno));
        return -1;
    }
    srv->unix_bound = 1;
    if (chmod(path, 0666) == -1 || listen(srv->unix_fd, LISTEN_BACKLOG) == -1) {
        snprintf(err, errsz, "--unix %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static void signal_cb(struct el *el, int fd, int mask, void *arg)
{
    struct srv *srv = arg;
    struct signalfd_siginfo si;

    (void)mask;
    if (read(fd, &si, sizeof si) != (ssize_t)sizeof si)
        return; /* EAGAIN: someone else took it */
    if (!srv->cfg.quiet)
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
    const struct srv_config *cfg = &srv->cfg;
    int v6 = strchr(cfg->host, ':') != NULL;

    if (printf(v6 ? "http://[%s]:%d\n" : "http://%s:%d\n", cfg->host, cfg->port) < 0 ||
        fflush(stdout) == EOF) {
        snprintf(err, errsz, "stdout: %s", strerror(errno));
        return -1;
    }
    if (cfg->quiet)
        return 0;
    fprintf(stderr, "delay-server: delay %ld-%ld ms (seed %llu), at most %ld connections\n",
            cfg->delay_min_ms, cfg->delay_max_ms, (unsigned long long)cfg->seed, cfg->max_conns);
    if (cfg->unix_path != NULL)
        fprintf(stderr, "delay-server: pages only on unix socket %s\n", cfg->unix_path);
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
    if (srv_signals(srv, err, errsz) == -1 || listen_tcp(srv, err, errsz) == -1 ||
        (srv->cfg.unix_path != NULL && listen_unix(srv, err, errsz) == -1))
        return -1;
    if (conn_listen_resume(srv) == -1) {
        snprintf(err, errsz, "epoll_ctl: %s", strerror(errno));
        return -1;
    }
    if (srv_announce(srv, err, errsz) == -1)
        return -1;
    if (el_run(srv->el) == -1) {
        snprintf(err, errsz, "epoll_wait: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static void close_fd(int fd)
{
    if (fd != -1 && close(fd) == -1)
        perror("delay-server: close");
}

static void srv_free(struct srv *srv)
{
    if (srv->el != NULL)
        conn_free_all(srv); /* needs the loop: it unregisters fds */
    close_fd(srv->listen_fd);
    close_fd(srv->unix_fd);
    close_fd(srv->signal_fd);
    if (srv->unix_bound && unlink(srv->cfg.unix_path) == -1)
        perror("delay-server: unlink");
    el_free(srv->el);
    srv_release(srv);
    free(srv);
}

int main(int argc, char **argv)
{
    struct srv *srv = malloc(sizeof *srv);
    char err[512] = "";
    int rc;

    if (srv == NULL || srv_init(srv) == -1) {
        perror("delay-server");
        free(srv);
        return 1;
    }
    rc = options_parse(&srv->cfg, argc, argv, err, sizeof err);
    if (rc != 0) {
        if (rc == -1)
            fprintf(stderr, "delay-server: %s; see --help\n", err);
        srv_release(srv);
        free(srv);
        return rc == -1 ? 2 : 0;
    }
    rc = srv_run(srv, err, sizeof err);
    if (rc == -1)
        fprintf(stderr, "delay-server: %s\n", err);
    srv_free(srv);
    return rc == -1 ? 1 : 0;
}
