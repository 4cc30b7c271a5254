/* SPDX-License-Identifier: MIT */
/* test_server.c -- delay-server end to end, on private servers on free
 * ports: routes, delays, errors, keep-alive and pipelining, the fault
 * switches, broken input, the command line, and concurrent load measured
 * against /stats (peak_in_flight must equal the number of clients). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four above, which it needs */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "server_fixture.h"

#define DELAY_MS     300 /* the shared server's page delay */
#define SLACK_MS     300 /* generous: ASan, a loaded 2-core machine */
#define IO_TIMEOUT_S 10

static long long now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- a tiny blocking HTTP client ---- */

struct resp {
    int status;
    char head[4096];
    char body[4096];
};

struct reader {
    int fd;
    size_t len;
    char buf[32768];
};

static int tcp_connect(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct timeval tv = {.tv_sec = IO_TIMEOUT_S};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    assert_true(fd >= 0);
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

static void send_all(int fd, const char *s, size_t len)
{
    assert_int_equal(send(fd, s, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* A whole response at the start of r->buf? Then fill out, drop it from
 * r and return 1; else 0. */
static int take_resp(struct reader *r, struct resp *out)
{
    char *end = memmem(r->buf, r->len, "\r\n\r\n", 4);
    size_t head, blen;
    const char *cl;

    if (end == NULL)
        return 0;
    head = (size_t)(end + 4 - r->buf);
    assert_true(head < sizeof out->head);
    memcpy(out->head, r->buf, head);
    out->head[head] = '\0';
    assert_non_null(cl = strstr(out->head, "Content-Length: "));
    blen = strtoul(cl + 16, NULL, 10);
    assert_true(blen < sizeof out->body);
    if (r->len < head + blen)
        return 0;
    memcpy(out->body, r->buf + head, blen);
    out->body[blen] = '\0';
    assert_int_equal(sscanf(out->head, "HTTP/1.1 %d", &out->status), 1);
    r->len -= head + blen;
    memmove(r->buf, r->buf + head + blen, r->len);
    return 1;
}

/* One response off r (bytes of a next one stay in r). 0, or -1 at EOF. */
static int read_resp(struct reader *r, struct resp *out)
{
    while (!take_resp(r, out)) {
        ssize_t n;

        assert_true(r->len < sizeof r->buf);
        n = recv(r->fd, r->buf + r->len, sizeof r->buf - r->len, 0);
        if (n <= 0)
            return -1;
        r->len += (size_t)n;
    }
    return 0;
}

/* Does the server close fd (EOF or reset) within IO_TIMEOUT_S? Any
 * bytes still coming before that are skipped. */
static int closed_by_server(int fd)
{
    char buf[512];
    ssize_t n;

    while ((n = recv(fd, buf, sizeof buf, 0)) > 0)
        ;
    return n == 0 || (n == -1 && errno == ECONNRESET);
}

/* Send a raw request on a new connection and read one response. */
static int ask(const struct server *s, const char *req, struct resp *out)
{
    struct reader *r = calloc(1, sizeof *r);
    int rc;

    assert_non_null(r);
    r->fd = tcp_connect(s->port);
    send_all(r->fd, req, strlen(req));
    rc = read_resp(r, out);
    close(r->fd);
    free(r);
    return rc;
}

static void assert_alive(const struct server *s)
{
    char body[64];

    assert_int_equal(kill(s->pid, 0), 0);
    assert_int_equal(server_get(s, "/healthz", body, sizeof body), 200);
    assert_string_equal(body, "ok\n");
}

/* ---- the shared server ---- */

static int group_setup(void **state)
{
    static const char *const args[] = {
        "--delay-ms", "300", "--fail-ids", "13", "--wrong-ids", "21", "--close-ids", "31", NULL};
    struct server *s = malloc(sizeof *s);

    if (s == NULL || server_start(s, args) == -1) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int group_teardown(void **state)
{
    struct server *s = *state;
    int rc = server_stop(s);

    free(s);
    return rc == 0 ? 0 : -1; /* a sanitizer report fails the group */
}

static void test_server_detail_after_delay(void **state)
{
    const struct server *s = *state;
    char body[256];
    long long t0 = now_us(), ms;

    assert_int_equal(server_get(s, "/detail/7", body, sizeof body), 200);
    ms = (now_us() - t0) / 1000;
    assert_string_equal(body, "{\"id\":7,\"url\":\"/detail/7\",\"delay_ms\":300}\n");
    print_message("/detail/7: %lld us for a %d ms delay\n", now_us() - t0, DELAY_MS);
    assert_true(ms >= DELAY_MS);
    assert_true(ms <= DELAY_MS + SLACK_MS);
}

static void test_server_index_page(void **state)
{
    const struct server *s = *state;
    char body[256];
    long long t0 = now_us();

    assert_int_equal(server_get(s, "/index?delay_ms=20", body, sizeof body), 200);
    assert_true(now_us() - t0 >= 20000);
    assert_non_null(strstr(body, "Hello World : 20"));
    assert_int_equal(server_get(s, "/?delay_ms=0", body, sizeof body), 200);
}

static void test_server_healthz_and_stats(void **state)
{
    const struct server *s = *state;
    struct server_stats st;
    long long t0 = now_us();

    assert_alive(s);
    assert_int_equal(server_stats(s, &st, 0), 0);
    assert_true((now_us() - t0) / 1000 < DELAY_MS); /* no delay */
    assert_true(st.connections >= 1);
    assert_true(st.peak_connections >= st.connections);
}

static void test_server_delay_override(void **state)
{
    const struct server *s = *state;
    char body[256];
    long long t0 = now_us(), ms;

    assert_int_equal(server_get(s, "/detail/5?delay_ms=50", body, sizeof body), 200);
    ms = (now_us() - t0) / 1000;
    assert_true(ms >= 50 && ms < DELAY_MS);
    assert_string_equal(body, "{\"id\":5,\"url\":\"/detail/5\",\"delay_ms\":50}\n");
    assert_int_equal(server_get(s, "/detail/5?delay_ms=60001", body, sizeof body), 400);
    assert_non_null(strstr(body, "delay_ms must be 0..60000"));
    assert_int_equal(server_get(s, "/detail/5?delay_ms=-1", body, sizeof body), 400);
}

/* An error is answered, the connection closed, and others go on. */
static void expect_error(const struct server *s, const char *req, int status)
{
    struct reader *r = calloc(1, sizeof *r);
    struct resp out;

    assert_non_null(r);
    r->fd = tcp_connect(s->port);
    send_all(r->fd, req, strlen(req));
    assert_int_equal(read_resp(r, &out), 0);
    assert_int_equal(out.status, status);
    assert_non_null(strstr(out.head, "Connection: close\r\n"));
    assert_true(strlen(out.body) > 4); /* says what is wrong */
    assert_true(closed_by_server(r->fd));
    close(r->fd);
    free(r);
    assert_alive(s);
}

static void test_server_not_found(void **state)
{
    expect_error(*state, "GET /nope HTTP/1.1\r\n\r\n", 404);
    expect_error(*state, "GET /detail/0 HTTP/1.1\r\n\r\n", 404);
    expect_error(*state, "GET /detail/07 HTTP/1.1\r\n\r\n", 404);
    expect_error(*state, "GET /detail/x HTTP/1.1\r\n\r\n", 404);
}

static void test_server_method_not_allowed(void **state)
{
    struct resp out;

    assert_int_equal(ask(*state, "DELETE /detail/1 HTTP/1.1\r\n\r\n", &out), 0);
    assert_int_equal(out.status, 405);
    assert_non_null(strstr(out.head, "Allow: GET\r\n"));
    expect_error(*state, "POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", 405);
}

static void test_server_malformed(void **state)
{
    expect_error(*state, "GET / HTTP/9.9\r\n\r\n", 400);
    expect_error(*state, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400);
    expect_error(*state, "GET / HTTP/1.1\r\nNo colon here\r\n\r\n", 400);
    expect_error(*state, "GET / HTTP/1.1\r\nContent-Length: 2\r\n\r\nab",
                 400); /* bodies are refused, not half-read */
}

static void test_server_head_too_large(void **state)
{
    char *req = malloc(10000);

    assert_non_null(req);
    strcpy(req, "GET / HTTP/1.1\r\nX-Big: ");
    memset(req + strlen(req), 'a', 9000);
    strcpy(req + 9023, "\r\n\r\n");
    expect_error(*state, req, 431);
    free(req);
}

static void test_server_keep_alive(void **state)
{
    const struct server *s = *state;
    struct reader *r = calloc(1, sizeof *r);
    struct resp out;
    const char *req = "GET /detail/2?delay_ms=0 HTTP/1.1\r\nHost: x\r\n\r\n";

    assert_non_null(r);
    r->fd = tcp_connect(s->port);
    for (int i = 0; i < 2; i++) {
        send_all(r->fd, req, strlen(req));
        assert_int_equal(read_resp(r, &out), 0);
        assert_int_equal(out.status, 200);
        assert_null(strstr(out.head, "Connection: close"));
        assert_non_null(strstr(out.body, "\"id\":2,"));
    }
    close(r->fd);
    free(r);
}

/* Two requests in one write: answers in request order, though the first
 * waits longer than the second would. */
static void test_server_pipelined(void **state)
{
    const struct server *s = *state;
    struct reader *r = calloc(1, sizeof *r);
    struct resp out;
    const char *req = "GET /detail/1?delay_ms=100 HTTP/1.1\r\n\r\n"
                      "GET /detail/2?delay_ms=0 HTTP/1.1\r\n\r\n";

    assert_non_null(r);
    r->fd = tcp_connect(s->port);
    send_all(r->fd, req, strlen(req));
    assert_int_equal(read_resp(r, &out), 0);
    assert_non_null(strstr(out.body, "\"id\":1,"));
    assert_int_equal(read_resp(r, &out), 0);
    assert_non_null(strstr(out.body, "\"id\":2,"));
    close(r->fd);
    free(r);
}

static void test_server_connection_close(void **state)
{
    const struct server *s = *state;
    struct reader *r = calloc(1, sizeof *r);
    struct resp out;
    const char *req = "GET /detail/3?delay_ms=0 HTTP/1.1\r\n"
                      "Connection: close\r\n\r\n";

    assert_non_null(r);
    r->fd = tcp_connect(s->port);
    send_all(r->fd, req, strlen(req));
    assert_int_equal(read_resp(r, &out), 0);
    assert_int_equal(out.status, 200);
    assert_non_null(strstr(out.head, "Connection: close\r\n"));
    assert_true(closed_by_server(r->fd));
    close(r->fd);
    free(r);
}

static void test_server_http10(void **state)
{
    struct resp out;

    assert_int_equal(ask(*state, "GET /healthz HTTP/1.0\r\n\r\n", &out), 0);
    assert_int_equal(out.status, 200);
    assert_non_null(strstr(out.head, "Connection: close\r\n"));
}

static void test_server_fault_switches(void **state)
{
    const struct server *s = *state;
    char body[256];
    struct resp out;

    assert_int_equal(server_get(s, "/detail/13?delay_ms=0", body, sizeof body), 500);
    assert_int_equal(server_get(s, "/detail/21?delay_ms=0", body, sizeof body), 200);
    assert_string_equal(body, "{\"id\":22,\"url\":\"/detail/22\",\"delay_ms\":0}\n");
    assert_int_equal(ask(s, "GET /detail/31?delay_ms=0 HTTP/1.1\r\n\r\n", &out),
                     -1); /* hung up on, unanswered */
    assert_alive(s);
}

/* Binary noise, NUL bytes, half requests, hang-ups mid-wait: the server
 * neither crashes nor stalls (ASan builds also check it for bad memory). */
static void test_server_survives_garbage(void **state)
{
    const struct server *s = *state;
    static const char half[] = "GET /detail/1 HT";
    static const char wait[] = "GET /detail/1?delay_ms=50 HTTP/1.1\r\n\r\n";
    struct linger rst = {.l_onoff = 1, .l_linger = 0};
    char junk[65536];
    unsigned int rnd = 42;
    int fd;

    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)((rnd = rnd * 1103515245 + 12345) >> 16);
    fd = tcp_connect(s->port);
    send(fd, junk, sizeof junk, MSG_NOSIGNAL); /* may be cut short: fine */
    assert_true(closed_by_server(fd));
    close(fd);
    memset(junk, 0, 100);
    fd = tcp_connect(s->port);
    send_all(fd, junk, 100);
    assert_true(closed_by_server(fd));
    close(fd);
    fd = tcp_connect(s->port); /* half a request, then hang up */
    send_all(fd, half, strlen(half));
    close(fd);
    fd = tcp_connect(s->port); /* half a request, then EOF */
    send_all(fd, half, strlen(half));
    assert_int_equal(shutdown(fd, SHUT_WR), 0);
    assert_true(closed_by_server(fd));
    close(fd);
    fd = tcp_connect(s->port); /* reset while the page waits */
    send_all(fd, wait, strlen(wait));
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof rst), 0);
    close(fd);
    usleep(100000); /* let its timer fire on the dead connection */
    assert_alive(s);
}

/* Run delay-server with args; return its exit status, and its stdout
 * and stderr together in err (bad options print nothing on stdout). */
static int run_capture(const char *const args[], char *err, size_t cap)
{
    const char *argv[16] = {DELAY_SERVER_PATH};
    int fds[2], status, n = 1;
    size_t len = 0;
    ssize_t got;
    pid_t pid;

    for (int i = 0; args[i] != NULL && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (dup2(fds[1], STDOUT_FILENO) == -1 || dup2(fds[1], STDERR_FILENO) == -1)
            _exit(127);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    while (len < cap - 1 && (got = read(fds[0], err + len, cap - 1 - len)) > 0)
        len += (size_t)got;
    err[len] = '\0';
    close(fds[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_server_bad_options(void **state)
{
    static const struct {
        const char *args[6];
        const char *names;
    } bad[] = {
        {{"--port", "0", "--delay-ms", "abc"}, "--delay-ms"},
        {{"--port", "0", "--delay-ms", "600001"}, "0..600000"},
        {{"--port", "65536"}, "--port"},
        {{"--port", "0", "--max-conns", "0"}, "--max-conns"},
        {{"--port", "0", "--fail-ids", "1,,2"}, "--fail-ids"},
        {{"--port", "0", "--wrong-ids", "0"}, "--wrong-ids"},
        {{"--port", "0", "--close-ids", "x"}, "--close-ids"},
        {{"--port", "0", "--host", "localhost"}, "--host"},
        {{"--port", "0", "--bogus"}, "--bogus"},
        {{"--port", "0", "--delay-ms"}, "--delay-ms"},
        {{"--port", "0", "stray"}, "stray"},
    };
    char err[1024];

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(run_capture(bad[i].args, err, sizeof err), 2);
        assert_non_null(strstr(err, bad[i].names));
        assert_non_null(strchr(err, '\n'));
        assert_string_equal(strchr(err, '\n'), "\n"); /* one line */
    }
    assert_int_equal(run_capture((const char *const[]){"--version", NULL}, err, sizeof err), 0);
    assert_memory_equal(err, "delay-server ", 13);
}

static void test_server_stats_reset(void **state)
{
    static const char *const args[] = {"--delay-ms", "0", NULL};
    struct server srv;
    struct server_stats st;

    (void)state;
    assert_int_equal(server_start(&srv, args), 0);
    assert_int_equal(server_get(&srv, "/detail/1", NULL, 0), 200);
    assert_int_equal(server_get(&srv, "/", NULL, 0), 200);
    assert_int_equal(server_get(&srv, "/nope", NULL, 0), 404);
    assert_int_equal(server_stats(&srv, &st, 1), 0);
    assert_int_equal(st.requests, 2);
    assert_int_equal(st.errors, 1);
    assert_int_equal(st.in_flight, 0);
    assert_int_equal(st.peak_in_flight, 1);
    assert_int_equal(server_stats(&srv, &st, 0), 0);
    assert_int_equal(st.requests, 0);
    assert_int_equal(st.errors, 0);
    assert_int_equal(st.peak_in_flight, 0);
    assert_true(st.connections >= 1);
    assert_int_equal(server_stop(&srv), 0);
}

static void test_server_max_conns(void **state)
{
    static const char *const args[] = {"--max-conns", "2", NULL};
    struct server srv;
    int a, b, c;

    (void)state;
    assert_int_equal(server_start(&srv, args), 0);
    a = tcp_connect(srv.port);
    b = tcp_connect(srv.port);
    usleep(50000); /* both accepted */
    c = tcp_connect(srv.port);
    assert_true(closed_by_server(c)); /* 503 or a bare close: no hang */
    close(a);
    close(b);
    close(c);
    usleep(50000);
    assert_alive(&srv);
    assert_int_equal(server_stop(&srv), 0);
}

/* ---- load: N clients at once, one connection each, one thread ---- */

struct lconn {
    int fd;
    int state;          /* 0 connecting, 1 sent, 2 done, -1 failed */
    long long sent_us;  /* request handed to the kernel */
    long long first_us; /* first response byte read */
    size_t len;
    char buf[256];
};

struct load {
    int n, port, sent, done;
    pid_t server_pid;
    long long t0, t_last; /* first connect, last response complete */
    long long t_sent;     /* last request sent */
    long rss_idle_kb, rss_busy_kb;
    struct lconn *c;
};

static long rss_kb(pid_t pid)
{
    char path[64], line[256];
    long kb = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    if ((f = fopen(path, "r")) == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "VmRSS: %ld", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

/* Send client i's request. 1: sent; 0: not connected yet (EAGAIN). */
static int load_try_send(struct load *ld, struct lconn *c, int i)
{
    char req[128];
    int n = snprintf(req, sizeof req,
                     "GET /detail/%d HTTP/1.1\r\nHost: x"
                     "\r\nConnection: close\r\n\r\n",
                     i + 1);
    long long t = now_us(); /* before send(): the server can't be earlier */
    ssize_t sent = send(c->fd, req, (size_t)n, MSG_NOSIGNAL);

    if (sent == -1 && (errno == EAGAIN || errno == ENOTCONN))
        return 0;
    assert_int_equal(sent, n);
    c->sent_us = t;
    c->state = 1;
    if (++ld->sent == ld->n)
        ld->t_sent = c->sent_us;
    return 1;
}

/* Connect client i and, as loopback has usually finished the handshake
 * by now, send at once; else wait for EPOLLOUT. */
static void load_connect(struct load *ld, int epfd, int i)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)ld->port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct epoll_event ev = {.data.u32 = (uint32_t)i};
    struct lconn *c = &ld->c[i];

    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    assert_true(c->fd >= 0);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) == -1)
        assert_int_equal(errno, EINPROGRESS);
    ev.events = load_try_send(ld, c, i) ? EPOLLIN : EPOLLOUT;
    assert_int_equal(epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev), 0);
}

/* EPOLLOUT: connected (or failed) at last. */
static void load_send(struct load *ld, int epfd, struct lconn *c, int i)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    int err = 0;
    socklen_t len = sizeof err;

    assert_int_equal(getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
    assert_int_equal(err, 0);
    assert_int_equal(load_try_send(ld, c, i), 1);
    assert_int_equal(epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev), 0);
}

static void load_recv(struct load *ld, struct lconn *c)
{
    ssize_t n = recv(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len, 0);

    if (n == -1 && errno == EAGAIN)
        return;
    if (n > 0 && c->len == 0)
        c->first_us = now_us();
    if (n > 0) {
        c->len += (size_t)n;
        return;
    }
    c->buf[c->len] = '\0';
    c->state = n == 0 ? 2 : -1; /* the server closes after answering */
    close(c->fd);
    ld->done++;
    ld->t_last = now_us();
}

static void load_run(struct load *ld)
{
    struct epoll_event ev[256];
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    long long deadline;

    assert_true(epfd >= 0);
    ld->rss_idle_kb = rss_kb(ld->server_pid);
    ld->t0 = now_us();
    deadline = ld->t0 + 30 * 1000000LL;
    for (int i = 0; i < ld->n; i++)
        load_connect(ld, epfd, i);
    while (ld->done < ld->n && now_us() < deadline) {
        int k;

        if (ld->sent == ld->n && ld->rss_busy_kb == 0)
            ld->rss_busy_kb = rss_kb(ld->server_pid); /* all wait */
        k = epoll_wait(epfd, ev, 256, 100);

        for (int j = 0; j < k; j++) {
            struct lconn *c = &ld->c[ev[j].data.u32];

            if (c->state == 0)
                load_send(ld, epfd, c, (int)ev[j].data.u32);
            else if (c->state == 1)
                load_recv(ld, c);
        }
    }
    close(epfd);
}

/* Each client got its own page, none before the delay. Returns the
 * slowest answer (us from send to first byte). */
static long long load_check(const struct load *ld, long delay_ms)
{
    long long worst = 0;

    for (int i = 0; i < ld->n; i++) {
        const struct lconn *c = &ld->c[i];
        char want[128];

        snprintf(want, sizeof want,
                 "{\"id\":%d,\"url\":\"/detail/%d\","
                 "\"delay_ms\":%ld}\n",
                 i + 1, i + 1, delay_ms);
        assert_int_equal(c->state, 2);
        assert_memory_equal(c->buf, "HTTP/1.1 200 OK\r\n", 17);
        assert_non_null(strstr(c->buf, want));
        assert_true(c->first_us - c->sent_us >= delay_ms * 1000);
        if (c->first_us - c->sent_us > worst)
            worst = c->first_us - c->sent_us;
    }
    return worst;
}

/* The clients' n sockets live in this process too. */
static void raise_nofile(int n)
{
    struct rlimit rl;

    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    rl.rlim_cur = rl.rlim_max;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
    assert_true(rl.rlim_cur > (rlim_t)n + 64);
}

/* Every client gets its own page, none before the delay, all together
 * (peak_in_flight == n), and the batch takes about one delay. */
static void load_test(int n, long delay_ms, double max_s)
{
    char delay[32];
    const char *const args[] = {"--delay-ms", delay, "--max-conns", "20000", NULL};
    struct server srv;
    struct server_stats st;
    struct load ld = {.n = n};
    long long worst;

    snprintf(delay, sizeof delay, "%ld", delay_ms);
    raise_nofile(n);
    assert_int_equal(server_start(&srv, args), 0);
    ld.port = srv.port;
    ld.server_pid = srv.pid;
    assert_non_null(ld.c = calloc((size_t)n, sizeof *ld.c));
    load_run(&ld);
    assert_int_equal(ld.done, n);
    worst = load_check(&ld, delay_ms);
    print_message("load: %d concurrent, delay %ld ms: first connect to "
                  "last response %.3f s (all sent after %.3f s); slowest "
                  "answer %.1f ms after its send; server RSS %ld -> %ld KiB "
                  "(%.1f KiB/conn)\n",
                  n, delay_ms, (ld.t_last - ld.t0) / 1e6, (ld.t_sent - ld.t0) / 1e6, worst / 1e3,
                  ld.rss_idle_kb, ld.rss_busy_kb, (double)(ld.rss_busy_kb - ld.rss_idle_kb) / n);
    assert_true((ld.t_last - ld.t0) / 1e6 <= max_s);
    assert_int_equal(server_stats(&srv, &st, 0), 0);
    /* All n wait at once unless the last one was sent after the first
     * could be due: possible only on a machine far too busy (several
     * ASan load tests at once). Then say so instead of failing. */
    if (ld.t_sent - ld.t0 < delay_ms * 1000 / 2)
        assert_int_equal(st.peak_in_flight, n);
    else
        print_message("load: machine too busy for an exact peak: %lld "
                      "of %d\n",
                      st.peak_in_flight, n);
    assert_int_equal(st.requests, n);
    assert_int_equal(st.in_flight, 0);
    assert_int_equal(st.errors, 0);
    assert_int_equal(server_stop(&srv), 0);
    free(ld.c);
}

static void test_server_load_1000(void **state)
{
    (void)state;
    load_test(1000, 500, 3.0);
}

static void test_server_load_5000(void **state)
{
    (void)state;
    load_test(5000, 500, 5.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_detail_after_delay),
        cmocka_unit_test(test_server_index_page),
        cmocka_unit_test(test_server_healthz_and_stats),
        cmocka_unit_test(test_server_delay_override),
        cmocka_unit_test(test_server_not_found),
        cmocka_unit_test(test_server_method_not_allowed),
        cmocka_unit_test(test_server_malformed),
        cmocka_unit_test(test_server_head_too_large),
        cmocka_unit_test(test_server_keep_alive),
        cmocka_unit_test(test_server_pipelined),
        cmocka_unit_test(test_server_connection_close),
        cmocka_unit_test(test_server_http10),
        cmocka_unit_test(test_server_fault_switches),
        cmocka_unit_test(test_server_survives_garbage),
        cmocka_unit_test(test_server_bad_options),
        cmocka_unit_test(test_server_stats_reset),
        cmocka_unit_test(test_server_max_conns),
        cmocka_unit_test(test_server_load_1000),
        cmocka_unit_test(test_server_load_5000),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
