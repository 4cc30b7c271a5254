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
#include <sys/un.h>
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

/* Send req on the connected fd and read until the server closes, within
 * GET_MS, into a buffer that grows (/stats can be long). Returns the
 * NUL-terminated response (free it), or NULL. Closes fd. */
static char *exchange_fd(int fd, const char *req)
{
    long long deadline = now_ms() + GET_MS;
    size_t len = 0, cap = 16384;
    char *buf = malloc(cap), *bigger;

    if (buf == NULL || send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req))
        goto fail;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        long long left = deadline - now_ms();
        ssize_t n;

        if (len + 1 == cap) {
            if ((bigger = realloc(buf, cap * 2)) == NULL)
                goto fail;
            buf = bigger;
            cap *= 2;
        }
        if (left <= 0 || poll(&p, 1, (int)left) <= 0 ||
            (n = recv(fd, buf + len, cap - 1 - len, 0)) < 0)
            goto fail;
        if (n == 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    close(fd);
    return buf;
fail:
    free(buf);
    close(fd);
    return NULL;
}

static char *exchange_tcp(int port, const char *req)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd == -1)
        return NULL;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1) {
        close(fd);
        return NULL;
    }
    return exchange_fd(fd, req);
}

static char *exchange_unix(const char *sock_path, const char *req)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd;

    if (strlen(sock_path) >= sizeof sa.sun_path)
        return NULL;
    strcpy(sa.sun_path, sock_path);
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
        return NULL;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1) {
        close(fd);
        return NULL;
    }
    return exchange_fd(fd, req);
}

/* The status and, if body is not NULL, the body of a whole response
 * (freed here). */
static int take_response(char *resp, char *body, size_t bodysz)
{
    const char *head_end;
    int status = -1;

    if (resp != NULL && sscanf(resp, "HTTP/1.%*d %d", &status) == 1 &&
        (head_end = strstr(resp, "\r\n\r\n")) != NULL) {
        if (body != NULL && bodysz > 0)
            snprintf(body, bodysz, "%s", head_end + 4);
    } else {
        status = -1;
    }
    free(resp);
    return status;
}

static int make_request(const char *path, char *req, size_t cap)
{
    return snprintf(req, cap,
                    "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    "Connection: close\r\n\r\n",
                    path) < (int)cap
               ? 0
               : -1;
}

int server_get(const struct server *s, const char *path, char *body, size_t bodysz)
{
    char req[1024];

    if (make_request(path, req, sizeof req) == -1)
        return -1;
    return take_response(exchange_tcp(s->port, req), body, bodysz);
}

int server_get_unix(const char *sock_path, const char *path, char *body, size_t bodysz)
{
    char req[1024];

    if (make_request(path, req, sizeof req) == -1)
        return -1;
    return take_response(exchange_unix(sock_path, req), body, bodysz);
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
    /* The newer counters are optional: 0 when the server has none. */
    st->aborted = st->failed_faults = st->resets = st->stalls = 0;
    st->timeouts = st->fetched_other = 0;
    json_field(body, "aborted", &st->aborted);
    json_field(body, "failed_faults", &st->failed_faults);
    json_field(body, "resets", &st->resets);
    json_field(body, "stalls", &st->stalls);
    json_field(body, "timeouts", &st->timeouts);
    json_field(body, "fetched_other", &st->fetched_other);
    if (json_field(body, "requests", &st->requests) == -1 ||
        json_field(body, "in_flight", &st->in_flight) == -1 ||
        json_field(body, "peak_in_flight", &st->peak_in_flight) == -1 ||
        json_field(body, "connections", &st->connections) == -1 ||
        json_field(body, "peak_connections", &st->peak_connections) == -1 ||
        json_field(body, "errors", &st->errors) == -1)
        return -1;
    return 0;
}

/* One run "FIRST-LAST:COUNT" or "ID:COUNT" at *p; advances *p. 0 or -1. */
static int parse_run(const char **p, unsigned long *first, unsigned long *last,
                     unsigned long *count)
{
    char *end;

    errno = 0;
    *first = strtoul(*p, &end, 10);
    if (end == *p || errno != 0)
        return -1;
    *last = *first;
    if (*end == '-') {
        const char *q = end + 1;

        *last = strtoul(q, &end, 10);
        if (end == q || errno != 0 || *last < *first)
            return -1;
    }
    if (*end != ':')
        return -1;
    *p = end + 1;
    *count = strtoul(*p, &end, 10);
    if (end == *p || errno != 0)
        return -1;
    *p = end;
    return 0;
}

int server_parse_fetched(const char *s, unsigned int *counts, size_t n, long long *beyond)
{
    unsigned long next = 1; /* runs cover 1..max in order */

    memset(counts, 0, n * sizeof *counts);
    if (beyond != NULL)
        *beyond = 0;
    while (*s != '\0' && *s != '"') {
        unsigned long first, last, count;

        if (parse_run(&s, &first, &last, &count) == -1 || first != next)
            return -1;
        for (unsigned long id = first; id <= last; id++) {
            if (id <= n)
                counts[id - 1] = (unsigned int)count;
            else if (beyond != NULL)
                *beyond += (long long)count;
        }
        next = last + 1;
        if (*s == ',')
            s++;
        else if (*s != '\0' && *s != '"')
            return -1;
    }
    return 0;
}

int server_fetched(const struct server *s, unsigned int *counts, size_t n, long long *beyond,
                   int reset)
{
    char req[1024];
    char *resp, *body;
    long long other = 0;
    int rc = -1;

    if (make_request(reset ? "/stats?reset=1" : "/stats", req, sizeof req) == -1 ||
        (resp = exchange_tcp(s->port, req)) == NULL)
        return -1;
    if (strncmp(resp, "HTTP/1.1 200 ", 13) == 0 && (body = strstr(resp, "\r\n\r\n")) != NULL &&
        json_field(body, "fetched_other", &other) == 0 &&
        (body = strstr(body, "\"fetched\":\"")) != NULL &&
        server_parse_fetched(body + strlen("\"fetched\":\""), counts, n, beyond) == 0)
        rc = 0;
    if (rc == 0 && beyond != NULL)
        *beyond += other;
    free(resp);
    return rc;
}
