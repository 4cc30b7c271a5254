/* SPDX-License-Identifier: MIT */
/* server_fixture.c -- start, query and stop a private delay-server.
 * Plain sockets and fork/exec, no libcurl: the fixture must not depend on
 * the client code the tests are judging. */
#include "server_fixture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef DELAY_SERVER_PATH
#error "DELAY_SERVER_PATH must name the delay-server binary"
#endif

#define START_MS 10000 /* ASan builds start slowly on a busy machine */
#define STOP_MS  10000
#define GET_MS   70000 /* longer than the largest ?delay_ms= */
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

/* Send req to 127.0.0.1:port and read until the server closes, within
 * GET_MS. Returns the bytes in buf (NUL-terminated), or -1. */
static ssize_t exchange(int port, const char *req, char *buf, size_t cap)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    long long deadline = now_ms() + GET_MS;
    size_t len = 0;
    ssize_t n = -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd == -1)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1 ||
        send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req))
        goto out;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        long long left = deadline - now_ms();

        if (len == cap - 1 || left <= 0 || poll(&p, 1, (int)left) <= 0 ||
            (n = recv(fd, buf + len, cap - 1 - len, 0)) < 0)
            goto out;
        if (n == 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    n = (ssize_t)len;
out:
    close(fd);
    return n < 0 ? -1 : n;
}

int server_get(const struct server *s, const char *path, char *body, size_t bodysz)
{
    char req[1024], resp[16384];
    const char *head_end;
    int status;

    if (snprintf(req, sizeof req,
                 "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 "Connection: close\r\n\r\n",
                 path) >= (int)sizeof req ||
        exchange(s->port, req, resp, sizeof resp) == -1 ||
        sscanf(resp, "HTTP/1.%*d %d", &status) != 1 ||
        (head_end = strstr(resp, "\r\n\r\n")) == NULL)
        return -1;
    if (body != NULL && bodysz > 0)
        snprintf(body, bodysz, "%s", head_end + 4);
    return status;
}

/* The number after "name": in a flat JSON object. 0 or -1. */
static int json_field(const char *json, const char *name, long long *v)
{
    char key[64];
    const char *p;
    char *end;

    snprintf(key, sizeof key, "\"%s\":", name);
    if ((p = strstr(json, key)) == NULL)
        return -1;
    errno = 0;
    *v = strtoll(p + strlen(key), &end, 10);
    return errno != 0 || end == p + strlen(key) ? -1 : 0;
}

int server_stats(const struct server *s, struct server_stats *st, int reset)
{
    char body[1024];

    if (server_get(s, reset ? "/stats?reset=1" : "/stats", body, sizeof body) != 200)
        return -1;
    if (json_field(body, "requests", &st->requests) == -1 ||
        json_field(body, "in_flight", &st->in_flight) == -1 ||
        json_field(body, "peak_in_flight", &st->peak_in_flight) == -1 ||
        json_field(body, "connections", &st->connections) == -1 ||
        json_field(body, "peak_connections", &st->peak_connections) == -1 ||
        json_field(body, "errors", &st->errors) == -1)
        return -1;
    return 0;
}
