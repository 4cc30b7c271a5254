/* SPDX-License-Identifier: MIT */
/* server_fixture.c -- start, query and stop a private delay-server.
 * fork/exec, and the server's own client (server/stats_client.c), no
 * libcurl: the fixture must not depend on the client code the tests are
 * judging. */
#include "server_fixture.h"

#include "stats_client.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef DELAY_SERVER_PATH
#error "DELAY_SERVER_PATH must name the delay-server binary"
#endif

#define START_MS 10000 /* ASan builds start slowly on a busy machine */
#define STOP_MS  10000
#define GET_MS   70000      /* longer than the largest ?delay_ms= */
#define GET_MAX  (64 << 20) /* the longest answer: /log of the server's 200,000 requests */
#define MAX_ARGS 64

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the child: stdout into the pipe, die with the parent, exec. */
static void child_exec(int out, pid_t parent, const char *const extra[])
{
    const char *argv[MAX_ARGS] = {DELAY_SERVER_PATH, "--port", "0", "--quiet"};
    int n = 4;

    for (int i = 0; extra != NULL && extra[i] != NULL && n < MAX_ARGS - 1; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    /* PDEATHSIG fires when the thread that forked us exits; the
     * getppid() check closes the race with a parent already gone. */
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent ||
        dup2(out, STDOUT_FILENO) == -1)
        _exit(127);
    execv(argv[0], (char *const *)argv);
    _exit(127);
}

/* Read one line (without its '\n') from fd within ms. 0 or -1. */
static int read_line(int fd, char *buf, size_t cap, long long ms)
{
    long long deadline = now_ms() + ms;
    size_t len = 0;

    while (len < cap - 1) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        long long left = deadline - now_ms();
        ssize_t n;

        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return -1;
        n = read(fd, buf + len, 1); /* byte by byte: it is one line */
        if (n <= 0)
            return -1;
        if (buf[len] == '\n') {
            buf[len] = '\0';
            return 0;
        }
        len++;
    }
    return -1;
}

int server_start(struct server *s, const char *const extra_args[])
{
    pid_t parent = getpid();
    int fds[2];
    const char *colon;

    memset(s, 0, sizeof *s);
    if (pipe2(fds, O_CLOEXEC) == -1)
        return -1;
    s->pid = fork();
    if (s->pid == 0)
        child_exec(fds[1], parent, extra_args);
    close(fds[1]);
    if (s->pid == -1) {
        close(fds[0]);
        s->pid = 0;
        return -1;
    }
    if (read_line(fds[0], s->url, sizeof s->url, START_MS) == -1 ||
        (colon = strrchr(s->url, ':')) == NULL || (s->port = atoi(colon + 1)) <= 0) {
        close(fds[0]);
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
        return -1;
    }
    close(fds[0]); /* the server writes nothing more to stdout */
    return 0;
}

int server_stop(struct server *s)
{
    long long deadline = now_ms() + STOP_MS;
    int status;
    pid_t r;

    if (s->pid <= 0)
        return -1;
    kill(s->pid, SIGTERM);
    while ((r = waitpid(s->pid, &status, WNOHANG)) == 0 && now_ms() < deadline)
        usleep(5000);
    if (r == 0) {
        kill(s->pid, SIGKILL);
        r = waitpid(s->pid, &status, 0);
    }
    s->pid = 0;
    if (r == -1)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* GET path, within GET_MS, on TCP (port) or the unix socket (sock_path):
 * the status, and the body cut to bodysz - 1 into body (if not NULL). */
static int get_into(int port, const char *sock_path, const char *path, char *body, size_t bodysz)
{
    struct sc_addr a = {.port = port, .unix_path = sock_path};
    struct sc_response r;
    int status;

    if (sc_get(&a, path, GET_MS, GET_MAX, &r) != 0)
        return -1;
    if (body != NULL && bodysz > 0)
        snprintf(body, bodysz, "%s", r.body);
    status = r.status;
    sc_response_free(&r);
    return status;
}

int server_get(const struct server *s, const char *path, char *body, size_t bodysz)
{
    return get_into(s->port, NULL, path, body, bodysz);
}

int server_get_unix(const char *sock_path, const char *path, char *body, size_t bodysz)
{
    return get_into(0, sock_path, path, body, bodysz);
}

int server_stats(const struct server *s, struct server_stats *st, int reset)
{
    char body[1024];
    struct sc_stats sc;

    if (server_get(s, reset ? "/stats?reset=1" : "/stats", body, sizeof body) != 200 ||
        sc_parse_stats(body, &sc) != 0)
        return -1;
    st->requests = sc.requests;
    st->in_flight = sc.in_flight;
    st->peak_in_flight = sc.peak_in_flight;
    st->connections = sc.connections;
    st->peak_connections = sc.peak_connections;
    st->errors = sc.errors;
    st->aborted = sc.aborted;
    st->failed_faults = sc.failed_faults;
    st->resets = sc.resets;
    st->stalls = sc.stalls;
    st->timeouts = sc.timeouts;
    st->fetched_other = sc.fetched_other;
    return 0;
}

int server_parse_fetched(const char *s, unsigned int *counts, size_t n, long long *beyond)
{
    return sc_parse_fetched(s, counts, n, beyond, NULL);
}

int server_fetched(const struct server *s, unsigned int *counts, size_t n, long long *beyond,
                   int reset)
{
    struct sc_addr a = {.port = s->port};
    struct sc_response r;
    struct sc_stats st;
    int rc = -1;

    if (sc_get(&a, reset ? "/stats?reset=1" : "/stats", GET_MS, GET_MAX, &r) != 0)
        return -1;
    if (r.status == 200 && sc_parse_stats(r.body, &st) == 0 && st.fetched &&
        strstr(r.body, "\"fetched_other\":") &&
        sc_parse_fetched(st.fetched, counts, n, beyond, NULL) == 0)
        rc = 0;
    if (rc == 0 && beyond != NULL)
        *beyond += st.fetched_other;
    sc_response_free(&r);
    return rc;
}
