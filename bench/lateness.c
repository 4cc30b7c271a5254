/* SPDX-License-Identifier: MIT */
/* lateness.c -- how punctually a server answers many delayed requests at
 * once. It opens C connections to one URL (the server is told to wait d
 * before answering), waits until all are up, then sends every request as
 * fast as it can and records, per request, the time from its own send to
 * its whole answer. Lateness = that time - d; it prints p50, p99 and max.
 * One thread and epoll, so the same client measures every server. */
#include "bench_net.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RESP_CAP     2048
#define MAX_CONNS    100000
#define CONNECT_STEP 500 /* connections opened before waiting for them */

enum state { CONNECTING, READY, SENT, DONE, FAILED };

struct conn {
    int fd;
    enum state state;
    double sent_at, answered_at;
    size_t len;
    char buf[RESP_CAP];
};

struct bench {
    struct sockaddr_in addr;
    char path[1024];
    char request[1200];
    size_t request_len;
    int epfd;
    long nconns, delay_ms, timeout_ms;
    long connected, answered, failed;
    struct conn *conns;
    char first_error[160];
};

static const struct option long_opts[] = {
    {"url", required_argument, NULL, 'u'},
    {"connections", required_argument, NULL, 'c'},
    {"delay-ms", required_argument, NULL, 'd'},
    {"timeout-ms", required_argument, NULL, 't'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static void usage(void)
{
    printf("Usage: bench-lateness --url URL --delay-ms D [OPTION]...\n"
           "Send C requests for URL at once, on C connections opened beforehand, and\n"
           "print one line: requests=C ok=K failed=F p50_ms p99_ms max_ms send_ms,\n"
           "where lateness = (answer time - send time) - D, per request.\n\n"
           "  -u, --url URL          http://127.0.0.1:PORT/PATH the server delays by D\n"
           "  -d, --delay-ms D       the server's delay for URL, 0..600000\n"
           "  -c, --connections C    1..100000 (default 5000)\n"
           "  -t, --timeout-ms MS    wait at most D + MS for the answers, 1..3600000\n"
           "                         (default 30000)\n"
           "  -h, --help             show this help and exit\n"
           "  -V, --version          show the version and exit\n\n"
           "Exit status: 0 every request answered 200, 1 some were not, 2 bad usage.\n");
}

static void fail(struct bench *b, long i, const char *why)
{
    struct conn *c = &b->conns[i];

    if (!b->first_error[0])
        snprintf(b->first_error, sizeof b->first_error, "connection %ld: %s", i + 1, why);
    if (c->fd != -1)
        close(c->fd);
    c->fd = -1;
    c->state = FAILED;
    b->failed++;
}

static void on_readable(struct bench *b, long i)
{
    struct conn *c = &b->conns[i];
    const char *body;
    int status = 0;
    int done = bench_read_response(c->fd, c->buf, sizeof c->buf, &c->len, &status, &body);

    if (done == 0)
        return;
    if (done == -1)
        fail(b, i, errno ? strerror(errno) : "malformed or cut-short answer");
    else if (c->state != SENT)
        fail(b, i, "answered before the request was sent (503: --max-conns?)");
    else if (status != 200)
        fail(b, i, "status is not 200");
    else {
        c->answered_at = bench_now();
        c->state = DONE;
        close(c->fd);
        c->fd = -1;
        b->answered++;
    }
}

static void on_connected(struct bench *b, long i)
{
    int err = 0;
    socklen_t len = sizeof err;

    if (getsockopt(b->conns[i].fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        err = errno;
    if (err) {
        fail(b, i, strerror(err));
        return;
    }
    b->conns[i].state = READY;
    b->connected++;
}

static void on_event(struct bench *b, const struct epoll_event *ev)
{
    long i = (long)ev->data.u64;
    struct conn *c = &b->conns[i];

    if (c->state == CONNECTING && (ev->events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
        on_connected(b, i);
    if ((c->state == READY || c->state == SENT) &&
        (ev->events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)))
        on_readable(b, i);
}

/* Handle events until done() holds or the deadline passes; -1 on an
 * epoll error, 1 on the deadline. */
static int pump(struct bench *b, double deadline, int (*done)(const struct bench *, long), long arg)
{
    struct epoll_event evs[1024];

    while (!done(b, arg)) {
        int left_ms = (int)((deadline - bench_now()) * 1000.0);
        int nev;

        if (left_ms <= 0)
            return 1;
        nev = epoll_wait(b->epfd, evs, (int)(sizeof evs / sizeof evs[0]), left_ms);
        if (nev == -1 && errno != EINTR) {
            perror("bench-lateness: epoll_wait");
            return -1;
        }
        for (int k = 0; k < nev; k++)
            on_event(b, &evs[k]);
    }
    return 0;
}

static int all_settled_up_to(const struct bench *b, long upto)
{
    return b->connected + b->failed >= upto;
}

static int all_answered(const struct bench *b, long unused)
{
    (void)unused;
    return b->answered + b->failed >= b->nconns;
}

/* Open the connections a step at a time, so the server's accept queue
 * never overflows (an overflow costs a retransmitted handshake: 1 s). */
static int connect_all(struct bench *b)
{
    double deadline = bench_now() + 10.0;

    for (long i = 0; i < b->nconns; i++) {
        struct conn *c = &b->conns[i];
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                                 .data.u64 = (uint64_t)i};

        c->state = CONNECTING;
        c->fd = bench_connect(&b->addr);
        if (c->fd == -1)
            fail(b, i, strerror(errno));
        else if (epoll_ctl(b->epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0)
            fail(b, i, strerror(errno));
        if (((i + 1) % CONNECT_STEP == 0 || i + 1 == b->nconns) &&
            pump(b, deadline, all_settled_up_to, i + 1) != 0)
            return -1;
    }
    return 0;
}

/* Every request as fast as one thread can write them, each timed. */
static double send_all(struct bench *b)
{
    double t0 = bench_now();

    for (long i = 0; i < b->nconns; i++) {
        struct conn *c = &b->conns[i];
        ssize_t n;

        if (c->state != READY)
            continue;
        c->sent_at = bench_now();
        n = write(c->fd, b->request, b->request_len);
        if (n == (ssize_t)b->request_len)
            c->state = SENT;
        else
            fail(b, i, n == -1 ? strerror(errno) : "short write");
    }
    return bench_now() - t0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least q of them at or below. */
static double percentile(const double *sorted, long n, double q)
{
    long rank = (long)(q * (double)n + 0.999999);

    return sorted[rank < 1 ? 0 : rank - 1];
}

static void report(const struct bench *b, double send_s)
{
    double *late = malloc((size_t)(b->answered ? b->answered : 1) * sizeof *late);
    long k = 0;

    if (!late) {
        perror("bench-lateness: malloc");
        return;
    }
    for (long i = 0; i < b->nconns; i++)
        if (b->conns[i].state == DONE)
            late[k++] =
                (b->conns[i].answered_at - b->conns[i].sent_at) * 1000.0 - (double)b->delay_ms;
    qsort(late, (size_t)k, sizeof *late, cmp_double);
    printf("requests=%ld ok=%ld failed=%ld p50_ms=%.3f p99_ms=%.3f max_ms=%.3f send_ms=%.3f\n",
           b->nconns, b->answered, b->nconns - b->answered, k ? percentile(late, k, 0.50) : 0.0,
           k ? percentile(late, k, 0.99) : 0.0, k ? late[k - 1] : 0.0, send_s * 1000.0);
    free(late);
}

static int parse_args(struct bench *b, int argc, char **argv)
{
    const char *url = NULL;
    int c;

    b->nconns = 5000, b->delay_ms = -1, b->timeout_ms = 30000;
    while ((c = getopt_long(argc, argv, "u:c:d:t:hV", long_opts, NULL)) != -1) {
        int bad = 0;

        switch (c) {
        case 'u':
            url = optarg;
            break;
        case 'c':
            bad = bench_parse_long(optarg, 1, MAX_CONNS, &b->nconns);
            break;
        case 'd':
            bad = bench_parse_long(optarg, 0, 600000, &b->delay_ms);
            break;
        case 't':
            bad = bench_parse_long(optarg, 1, 3600000, &b->timeout_ms);
            break;
        case 'h':
            usage();
            exit(0);
        case 'V':
            printf("bench-lateness %s\n", SUITE_VERSION);
            exit(0);
        default: /* getopt_long has named the option */
            fprintf(stderr, "%s: see --help\n", "bench-lateness");
            return -1;
        }
        if (bad) {
            fprintf(stderr, "bench-lateness: bad value \"%s\" (see --help for the ranges)\n",
                    optarg);
            return -1;
        }
    }
    if (optind < argc || !url || b->delay_ms < 0) {
        fprintf(stderr, "bench-lateness: --url and --delay-ms are required, nothing else; "
                        "see --help\n");
        return -1;
    }
    if (bench_parse_url(url, &b->addr, b->path, sizeof b->path) != 0) {
        fprintf(stderr, "bench-lateness: --url must be http://127.0.0.1:PORT/PATH (got \"%s\")\n",
                url);
        return -1;
    }
    b->request_len =
        (size_t)snprintf(b->request, sizeof b->request,
                         "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n",
                         b->path[0] ? b->path : "/", ntohs(b->addr.sin_port));
    return 0;
}

int main(int argc, char **argv)
{
    static struct bench b;
    const struct timespec settle = {.tv_sec = 0, .tv_nsec = 200 * 1000000L};
    double send_s;

    if (parse_args(&b, argc, argv) != 0)
        return 2;
    if (bench_raise_fd_limit(b.nconns + 16) != 0) {
        fprintf(stderr, "bench-lateness: need %ld open files; raise ulimit -Hn\n", b.nconns + 16);
        return 1;
    }
    b.conns = calloc((size_t)b.nconns, sizeof *b.conns);
    b.epfd = epoll_create1(EPOLL_CLOEXEC);
    if (!b.conns || b.epfd == -1) {
        perror("bench-lateness: setup");
        return 1;
    }
    if (connect_all(&b) != 0) {
        fprintf(stderr, "bench-lateness: the connections did not open within 10 s\n");
        return 1;
    }
    nanosleep(&settle, NULL); /* let the server accept the last ones */
    send_s = send_all(&b);
    if (pump(&b, bench_now() + (double)(b.delay_ms + b.timeout_ms) / 1000.0, all_answered, 0) < 0)
        return 1;
    report(&b, send_s);
    if (b.first_error[0])
        fprintf(stderr, "bench-lateness: %ld failed; first: %s\n", b.nconns - b.answered,
                b.first_error);
    for (long i = 0; i < b.nconns; i++)
        if (b.conns[i].fd != -1)
            close(b.conns[i].fd);
    free(b.conns);
    close(b.epfd);
    return b.answered == b.nconns ? 0 : 1;
}
