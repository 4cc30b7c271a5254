/* SPDX-License-Identifier: MIT */
/* raw_client.c -- the floor for the async model: crawl-async's job
 * (GET URL/detail/1 .. /detail/N, each answer judged: a 200 whose body
 * names its id) with nothing but the system calls it needs. One thread,
 * one epoll, a fresh non-blocking connection per request: connect, write
 * the GET, read the answer, close. No library, no per-transfer state
 * machine: what crawl-async costs above this is libcurl's overhead. */
#include "bench_net.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define RESP_CAP  1024 /* the server's pages are about 150 bytes */
#define MAX_COUNT 100000

struct req {
    int fd; /* -1 before the start and after the end */
    int sent;
    size_t len;
    char buf[RESP_CAP];
};

struct client {
    struct sockaddr_in addr;
    char base_path[256];
    int port;
    int epfd;
    long n, window, timeout_ms;
    long next, in_flight, ok, failed;
    struct req *reqs;
    char first_error[160];
};

static const struct option long_opts[] = {
    {"url", required_argument, NULL, 'u'},
    {"count", required_argument, NULL, 'n'},
    {"workers", required_argument, NULL, 'w'},
    {"timeout-ms", required_argument, NULL, 't'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static void usage(void)
{
    printf("Usage: bench-raw-client [OPTION]...\n"
           "Fetch URL/detail/1 .. URL/detail/N on one thread with raw epoll and\n"
           "print one line: requests=N ok=K failed=F wall_s=S.\n\n"
           "  -u, --url URL        http://127.0.0.1:PORT (default http://127.0.0.1:8080)\n"
           "  -n, --count N        requests, 1..100000 (default 10000)\n"
           "  -w, --workers W      most in flight, 0..100000, 0 = all at once (default 0)\n"
           "  -t, --timeout-ms MS  for the whole job, 1..3600000 (default 30000)\n"
           "  -h, --help           show this help and exit\n"
           "  -V, --version        show the version and exit\n\n"
           "Exit status: 0 all requests succeeded, 1 some failed, 2 bad usage.\n");
}

static void fail(struct client *cl, long i, const char *why)
{
    if (!cl->first_error[0])
        snprintf(cl->first_error, sizeof cl->first_error, "request %ld: %s", i + 1, why);
    cl->failed++;
}

static void finish(struct client *cl, long i, const char *why)
{
    struct req *r = &cl->reqs[i];

    close(r->fd); /* also leaves the epoll set */
    r->fd = -1;
    cl->in_flight--;
    if (why)
        fail(cl, i, why);
    else
        cl->ok++;
}

/* Start the next requests until the window is full. */
static void start_more(struct client *cl)
{
    while (cl->next < cl->n && (cl->window == 0 || cl->in_flight < cl->window)) {
        long i = cl->next++;
        struct req *r = &cl->reqs[i];
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                                 .data.u64 = (uint64_t)i};

        /* Edge-triggered, both directions at once: one epoll_ctl per request. */
        r->fd = bench_connect(&cl->addr);
        if (r->fd == -1) {
            fail(cl, i, strerror(errno));
            continue;
        }
        cl->in_flight++;
        if (epoll_ctl(cl->epfd, EPOLL_CTL_ADD, r->fd, &ev) != 0)
            finish(cl, i, strerror(errno));
    }
}

/* The request is written once the connection is up. */
static int send_request(struct client *cl, long i)
{
    char head[512];
    int len = snprintf(head, sizeof head,
                       "GET %s/detail/%ld HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: */*\r\n\r\n",
                       cl->base_path, i + 1, cl->port);
    ssize_t n = write(cl->reqs[i].fd, head, (size_t)len);

    if (n == len) {
        cl->reqs[i].sent = 1;
        return 0;
    }
    if (n == -1 && (errno == EAGAIN || errno == ENOTCONN))
        return 0; /* not connected yet: the next EPOLLOUT edge */
    finish(cl, i, n == -1 ? strerror(errno) : "short write");
    return -1;
}

static void read_answer(struct client *cl, long i)
{
    struct req *r = &cl->reqs[i];
    char want[32];
    const char *body = NULL;
    int status = 0;
    int done = bench_read_response(r->fd, r->buf, sizeof r->buf, &r->len, &status, &body);

    if (done == 0)
        return;
    if (done == -1) {
        finish(cl, i, errno ? strerror(errno) : "malformed or cut-short answer");
        return;
    }
    snprintf(want, sizeof want, "{\"id\":%ld,", i + 1);
    if (status != 200)
        finish(cl, i, "status is not 200");
    else if (strncmp(body, want, strlen(want)) != 0)
        finish(cl, i, "wrong page: the body does not name the id");
    else
        finish(cl, i, NULL);
}

static void on_event(struct client *cl, const struct epoll_event *ev)
{
    long i = (long)ev->data.u64;

    if (!cl->reqs[i].sent && (ev->events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) &&
        send_request(cl, i) != 0)
        return;
    if (cl->reqs[i].sent && (ev->events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)))
        read_answer(cl, i);
}

static int run(struct client *cl)
{
    struct epoll_event evs[1024];
    double deadline = bench_now() + (double)cl->timeout_ms / 1000.0;

    start_more(cl);
    while (cl->in_flight > 0) {
        int left_ms = (int)((deadline - bench_now()) * 1000.0);
        int nev;

        if (left_ms <= 0)
            break;
        nev = epoll_wait(cl->epfd, evs, (int)(sizeof evs / sizeof evs[0]), left_ms);
        if (nev == -1 && errno != EINTR) {
            perror("bench-raw-client: epoll_wait");
            return -1;
        }
        for (int k = 0; k < nev; k++)
            on_event(cl, &evs[k]);
        start_more(cl);
    }
    for (long i = 0; i < cl->n; i++) /* timed out: what is still open failed */
        if (cl->reqs[i].fd != -1)
            finish(cl, i, "timed out");
    cl->failed += cl->n - cl->next; /* never started */
    return 0;
}

static int parse_args(struct client *cl, int argc, char **argv)
{
    const char *url = "http://127.0.0.1:8080";
    int c;

    cl->n = 10000, cl->window = 0, cl->timeout_ms = 30000;
    while ((c = getopt_long(argc, argv, "u:n:w:t:hV", long_opts, NULL)) != -1) {
        int bad = 0;

        switch (c) {
        case 'u':
            url = optarg;
            break;
        case 'n':
            bad = bench_parse_long(optarg, 1, MAX_COUNT, &cl->n);
            break;
        case 'w':
            bad = bench_parse_long(optarg, 0, MAX_COUNT, &cl->window);
            break;
        case 't':
            bad = bench_parse_long(optarg, 1, 3600000, &cl->timeout_ms);
            break;
        case 'h':
            usage();
            exit(0);
        case 'V':
            printf("bench-raw-client %s\n", SUITE_VERSION);
            exit(0);
        default: /* getopt_long has named the option */
            fprintf(stderr, "%s: see --help\n", "bench-raw-client");
            return -1;
        }
        if (bad) {
            fprintf(stderr, "bench-raw-client: bad value \"%s\" (see --help for the ranges)\n",
                    optarg);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "bench-raw-client: unexpected argument \"%s\"\n", argv[optind]);
        return -1;
    }
    if (bench_parse_url(url, &cl->addr, cl->base_path, sizeof cl->base_path) != 0) {
        fprintf(stderr, "bench-raw-client: --url must be http://127.0.0.1:PORT (got \"%s\")\n",
                url);
        return -1;
    }
    cl->port = ntohs(cl->addr.sin_port);
    if (cl->base_path[0] && cl->base_path[strlen(cl->base_path) - 1] == '/')
        cl->base_path[strlen(cl->base_path) - 1] = '\0'; /* we append /detail/<id> */
    return 0;
}

int main(int argc, char **argv)
{
    static struct client cl;
    double t0;
    long most;

    if (parse_args(&cl, argc, argv) != 0)
        return 2;
    most = cl.window == 0 || cl.window > cl.n ? cl.n : cl.window;
    if (bench_raise_fd_limit(most + 16) != 0) {
        fprintf(stderr, "bench-raw-client: need %ld open files; raise ulimit -Hn\n", most + 16);
        return 1;
    }
    cl.reqs = calloc((size_t)cl.n, sizeof *cl.reqs);
    cl.epfd = epoll_create1(EPOLL_CLOEXEC);
    if (!cl.reqs || cl.epfd == -1) {
        perror("bench-raw-client: setup");
        return 1;
    }
    for (long i = 0; i < cl.n; i++)
        cl.reqs[i].fd = -1;
    t0 = bench_now();
    if (run(&cl) != 0)
        return 1;
    printf("requests=%ld ok=%ld failed=%ld wall_s=%.6f\n", cl.n, cl.ok, cl.failed,
           bench_now() - t0);
    if (cl.first_error[0])
        fprintf(stderr, "bench-raw-client: %ld failed; first: %s\n", cl.failed, cl.first_error);
    free(cl.reqs);
    close(cl.epfd);
    return cl.failed ? 1 : 0;
}
