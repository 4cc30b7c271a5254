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
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "delay_plan.h"
#include "server_fixture.h"
#include "stats_client.h"

#define DELAY_MS     300 /* the shared server's page delay */
#define SLACK_MS     300 /* generous: ASan, TSan, a loaded 2-core machine */
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
    expect_error(*state, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", 404);
    expect_error(*state, "GET /detail/0 HTTP/1.1\r\nHost: x\r\n\r\n", 404);
    expect_error(*state, "GET /detail/07 HTTP/1.1\r\nHost: x\r\n\r\n", 404);
    expect_error(*state, "GET /detail/x HTTP/1.1\r\nHost: x\r\n\r\n", 404);
}

static void test_server_method_not_allowed(void **state)
{
    struct resp out;

    assert_int_equal(ask(*state, "DELETE /detail/1 HTTP/1.1\r\nHost: x\r\n\r\n", &out), 0);
    assert_int_equal(out.status, 405);
    assert_non_null(strstr(out.head, "Allow: GET\r\n"));
    expect_error(*state, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", 405);
}

static void test_server_malformed(void **state)
{
    expect_error(*state, "GET / HTTP/9.9\r\n\r\n", 400);
    expect_error(*state, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400);
    expect_error(*state, "GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n", 400);
    expect_error(*state, "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab",
                 400); /* bodies are refused, not half-read */
}

static void test_server_head_too_large(void **state)
{
    char *req = malloc(10000);

    assert_non_null(req);
    strcpy(req, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(req + strlen(req), 'a', 9000);
    strcpy(req + 9000 + strlen("GET / HTTP/1.1\r\nHost: x\r\nX-Big: "), "\r\n\r\n");
    expect_error(*state, req, 431);
    free(req);
}

static void start_or_fail(struct server *srv, const char *const args[]); /* below */

/* A request for /detail/id?delay_ms=0 whose head is exactly total bytes
 * (an X-Big header fills it). malloc'd. */
static char *big_head(int id, size_t total)
{
    char *h = malloc(total + 1);
    int n;

    assert_non_null(h);
    n = snprintf(h, total + 1, "GET /detail/%d?delay_ms=0 HTTP/1.1\r\nHost: x\r\nX-Big: ", id);
    assert_true(n > 0 && (size_t)n + 4 <= total);
    memset(h + n, 'a', total - (size_t)n - 4);
    memcpy(h + total - 4, "\r\n\r\n", 5);
    return h;
}

/* Heads bigger than a connection's first buffer (1 KiB) get room as they
 * come, up to the 8 KiB limit: pipelined big heads are answered in order,
 * a small one after them too; 8192 bytes are a head, 8193 a 431. */
static void test_server_big_heads(void **state)
{
    static const char *const args[] = {"--delay-ms", "0", NULL};
    char *a = big_head(4, 3000), *b = big_head(5, 5000), *c = big_head(6, 8192);
    char *d = big_head(7, 8193), *ab = malloc(8001);
    const char *small = "GET /detail/8 HTTP/1.1\r\nHost: x\r\n\r\n";
    struct reader *r = calloc(1, sizeof *r);
    struct server srv;
    struct resp out;

    (void)state;
    assert_true(ab && r);
    start_or_fail(&srv, args);
    snprintf(ab, 8001, "%s%s", a, b);
    r->fd = tcp_connect(srv.port);
    send_all(r->fd, ab, strlen(ab));
    for (int id = 4; id <= 5; id++) {
        char want[32];

        snprintf(want, sizeof want, "\"id\":%d,", id);
        assert_int_equal(read_resp(r, &out), 0);
        assert_int_equal(out.status, 200);
        assert_non_null(strstr(out.body, want));
    }
    send_all(r->fd, small, strlen(small));
    assert_int_equal(read_resp(r, &out), 0);
    assert_non_null(strstr(out.body, "\"id\":8,"));
    close(r->fd);
    assert_int_equal(ask(&srv, c, &out), 0);
    assert_int_equal(out.status, 200);
    assert_non_null(strstr(out.body, "\"id\":6,"));
    expect_error(&srv, d, 431);
    assert_int_equal(server_stop(&srv), 0);
    free(a);
    free(b);
    free(c);
    free(d);
    free(ab);
    free(r);
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
    const char *req = "GET /detail/1?delay_ms=100 HTTP/1.1\r\nHost: x\r\n\r\n"
                      "GET /detail/2?delay_ms=0 HTTP/1.1\r\nHost: x\r\n\r\n";

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
    const char *req = "GET /detail/3?delay_ms=0 HTTP/1.1\r\nHost: x\r\n"
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
    assert_int_equal(ask(s, "GET /detail/31?delay_ms=0 HTTP/1.1\r\nHost: x\r\n\r\n", &out),
                     -1); /* hung up on, unanswered */
    assert_alive(s);
}

/* Binary noise, NUL bytes, half requests, hang-ups mid-wait: the server
 * neither crashes nor stalls (ASan builds also check it for bad memory). */
static void test_server_survives_garbage(void **state)
{
    const struct server *s = *state;
    static const char half[] = "GET /detail/1 HT";
    static const char wait[] = "GET /detail/1?delay_ms=50 HTTP/1.1\r\nHost: x\r\n\r\n";
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
        const char *args[8];
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
        {{"--port", "0", "--delay-ms", "50-10"}, "MIN <= MAX"},
        {{"--port", "0", "--delay-ms", "10-"}, "--delay-ms"},
        {{"--port", "0", "--seed", "-1"}, "--seed"},
        {{"--port", "0", "--fail-rate", "1.5"}, "--fail-rate must be a number 0..1"},
        {{"--port", "0", "--reset-rate", "abc"}, "--reset-rate"},
        {{"--port", "0", "--stall-rate", "nan"}, "--stall-rate"},
        {{"--port", "0", "--fail-rate", "0.6", "--reset-rate", "0.5"}, "at most 1"},
        {{"--port", "0", "--header-timeout-ms", "0"}, "--header-timeout-ms"},
        {{"--port", "0", "--idle-timeout-ms", "x"}, "--idle-timeout-ms"},
        {{"--port", "0", "--write-timeout-ms", "86400001"}, "--write-timeout-ms"},
        {{"--port", "0", "--unix", ""}, "--unix"},
        {{"--port", "0", "--pages", "10001"}, "--pages must be an integer 0..10000"},
        {{"--port", "0", "--per-page", "1001"}, "--per-page must be an integer 0..1000"},
        {{"--port", "0", "--pages", "1000", "--per-page", "101"}, "at most 100000"},
        {{"--port", "0", "--list-delay-ms", "5-1"}, "--list-delay-ms"},
        {{"--port", "0", "--list-fail-ids", "0"}, "--list-fail-ids"},
        {{"--port", "0", "--chain", "x"}, "\"x\""},
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

/* ---- hardening: exact accounting, the unix listener, plan, faults ---- */

static void start_or_fail(struct server *srv, const char *const args[])
{
    assert_int_equal(server_start(srv, args), 0);
}

/* GET /stats and return the whole body (free it). */
static char *stats_body(const struct server *s, int reset)
{
    size_t cap = 1 << 20;
    char *body = malloc(cap);

    assert_non_null(body);
    assert_int_equal(server_get(s, reset ? "/stats?reset=1" : "/stats", body, cap), 200);
    return body;
}

/* The "fetched" string of a /stats body. */
static void assert_fetched(const char *body, const char *want)
{
    char key[64 + 1024];

    snprintf(key, sizeof key, "\"fetched\":\"%s\"}", want);
    if (strstr(body, key) == NULL)
        fail_msg("want %s in %s", key, body);
}

/* The exact /stats shape, every field in order (the grader parses it). */
static void test_server_stats_shape(void **state)
{
    static const char *const args[] = {"--delay-ms", "0", NULL};
    struct server srv;
    char *body;
    long long v[12];
    int used = 0;

    (void)state;
    start_or_fail(&srv, args);
    body = stats_body(&srv, 0);
    assert_int_equal(sscanf(body,
                            "{\"requests\":%lld,\"in_flight\":%lld,\"peak_in_flight\":%lld,"
                            "\"connections\":%lld,\"peak_connections\":%lld,\"errors\":%lld,"
                            "\"aborted\":%lld,\"failed_faults\":%lld,\"resets\":%lld,"
                            "\"stalls\":%lld,\"timeouts\":%lld,\"fetched_other\":%lld,"
                            "\"fetched\":\"\"}\n%n",
                            &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9],
                            &v[10], &v[11], &used),
                     12);
    assert_int_equal(used, strlen(body));
    free(body);
    assert_int_equal(server_stop(&srv), 0);
}

/* Per-id counts, exactly, in the compact run form; reset clears them. */
static void test_server_fetched_exact(void **state)
{
    static const char *const args[] = {"--delay-ms", "0", NULL};
    struct server srv;
    unsigned int counts[40];
    long long beyond = -1;
    char path[64], *body;

    (void)state;
    start_or_fail(&srv, args);
    body = stats_body(&srv, 0);
    assert_fetched(body, ""); /* nothing fetched yet */
    free(body);
    for (int id = 1; id <= 30; id++) {
        snprintf(path, sizeof path, "/detail/%d", id);
        if (id != 25)
            assert_int_equal(server_get(&srv, path, NULL, 0), 200);
    }
    assert_int_equal(server_get(&srv, "/detail/24?delay_ms=0", NULL, 0), 200);
    assert_int_equal(server_get(&srv, "/detail/100001", NULL, 0), 200);
    assert_int_equal(server_get(&srv, "/detail/0", NULL, 0), 404);            /* not a fetch */
    assert_int_equal(server_get(&srv, "/detail/3?delay_ms=x", NULL, 0), 400); /* nor this */
    assert_int_equal(server_get(&srv, "/", NULL, 0), 200);
    body = stats_body(&srv, 0);
    assert_fetched(body, "1-23:1,24:2,25:0,26-30:1");
    assert_non_null(strstr(body, "\"fetched_other\":1,"));
    free(body);
    assert_int_equal(server_fetched(&srv, counts, 40, &beyond, 1), 0);
    for (int id = 1; id <= 40; id++)
        assert_int_equal(counts[id - 1], id == 24 ? 2 : id == 25 || id > 30 ? 0 : 1);
    assert_int_equal(beyond, 1);
    body = stats_body(&srv, 0); /* after the reset */
    assert_fetched(body, "");
    assert_non_null(strstr(body, "\"fetched_other\":0,"));
    free(body);
    assert_int_equal(server_stop(&srv), 0);
}

/* Send n pipelined requests for even ids on one connection, reading
 * the answers batch by batch (so neither side's buffer fills). */
static void fetch_even_ids(const struct server *s, int n)
{
    struct reader *r = calloc(1, sizeof *r);
    struct resp out;
    char req[64 * 100];

    assert_non_null(r);
    r->fd = tcp_connect(s->port);
    for (int done = 0; done < n; done += 100) {
        size_t len = 0;

        for (int k = done; k < done + 100 && k < n; k++)
            len += (size_t)snprintf(req + len, sizeof req - len,
                                    "GET /detail/%d HTTP/1.1\r\nHost: x\r\n\r\n", 2 * (k + 1));
        send_all(r->fd, req, len);
        for (int k = done; k < done + 100 && k < n; k++) {
            assert_int_equal(read_resp(r, &out), 0);
            assert_int_equal(out.status, 200);
        }
    }
    close(r->fd);
    free(r);
}

/* /stats grows with the runs: 4,000 alternating counts (about 30 KB) are
 * all there, never cut. */
static void test_server_fetched_long(void **state)
{
    static const char *const args[] = {"--delay-ms", "0", NULL};
    enum { N = 2000 };
    struct server srv;
    unsigned int *counts = calloc(2 * N + 10, sizeof *counts);
    long long beyond = -1;
    char *body;

    (void)state;
    assert_non_null(counts);
    start_or_fail(&srv, args);
    fetch_even_ids(&srv, N);
    body = stats_body(&srv, 0);
    print_message("/stats with %d alternating runs: %zu bytes\n", 2 * N, strlen(body));
    assert_true(strlen(body) > 16384);
    assert_non_null(strstr(body, ",3999:0,4000:1\"}\n"));
    free(body);
    assert_int_equal(server_fetched(&srv, counts, 2 * N + 10, &beyond, 0), 0);
    for (int id = 1; id <= 2 * N + 10; id++)
        assert_int_equal(counts[id - 1], id % 2 == 0 && id <= 2 * N ? 1 : 0);
    assert_int_equal(beyond, 0);
    free(counts);
    assert_int_equal(server_stop(&srv), 0);
}

/* Poll /stats until pred holds (bounded: 5 s). */
static void wait_stats(const struct server *s, struct server_stats *st, long long *field,
                       long long want)
{
    for (int i = 0; i < 500; i++) {
        assert_int_equal(server_stats(s, st, 0), 0);
        if (*field == want)
            return;
        usleep(10000);
    }
    fail_msg("counter stayed at %lld, want %lld", *field, want);
}

/* A client that leaves while its page waits: the request is aborted,
 * never in flight any more, never answered; a reset's peak is what
 * really waits. */
static void test_server_aborted(void **state)
{
    static const char *const args[] = {"--delay-ms", "300", NULL};
    static const char req[] = "GET /detail/5 HTTP/1.1\r\nHost: x\r\n\r\n";
    struct linger rst = {.l_onoff = 1, .l_linger = 0};
    struct server srv;
    struct server_stats st;
    int a, b;
    char *body;

    (void)state;
    start_or_fail(&srv, args);
    a = tcp_connect(srv.port); /* closes (FIN) */
    b = tcp_connect(srv.port); /* resets (RST) */
    send_all(a, req, strlen(req));
    send_all(b, req, strlen(req));
    wait_stats(&srv, &st, &st.in_flight, 2);
    assert_int_equal(server_stats(&srv, &st, 1), 0); /* reset while 2 wait */
    assert_int_equal(st.peak_in_flight, 2);
    close(a);
    assert_int_equal(setsockopt(b, SOL_SOCKET, SO_LINGER, &rst, sizeof rst), 0);
    close(b);
    wait_stats(&srv, &st, &st.aborted, 2);
    assert_int_equal(st.in_flight, 0);
    assert_int_equal(st.requests, 0);
    assert_int_equal(st.peak_in_flight, 2); /* both waited after the reset */
    usleep(400000);                         /* past their delay: still not answered */
    assert_int_equal(server_stats(&srv, &st, 1), 0);
    assert_int_equal(st.requests, 0);
    assert_int_equal(st.aborted, 2);
    assert_int_equal(server_stats(&srv, &st, 0), 0);
    assert_int_equal(st.peak_in_flight, 0); /* nothing waits any more */
    assert_int_equal(st.aborted, 0);
    body = stats_body(&srv, 0);
    assert_fetched(body, ""); /* the reset cleared the counts too */
    free(body);
    assert_int_equal(server_stop(&srv), 0);
}

/* A client that leaves while its page waits behind a full input buffer
 * (8 KiB of pipelined requests the server does not read yet) is still
 * seen to leave, at once, not when the delay ends. */
static void test_server_aborted_full_buffer(void **state)
{
    static const char *const args[] = {"--delay-ms", "0", NULL};
    static const char first[] = "GET /detail/9?delay_ms=3000 HTTP/1.1\r\nHost: x\r\n\r\n";
    static const char more[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    struct server srv;
    struct server_stats st;
    long long t0;
    int fd;

    (void)state;
    start_or_fail(&srv, args);
    fd = tcp_connect(srv.port);
    send_all(fd, first, strlen(first));
    wait_stats(&srv, &st, &st.in_flight, 1);
    for (int i = 0; i < 10000 / (int)strlen(more); i++) /* over 8 KiB */
        send_all(fd, more, strlen(more));
    usleep(100000);
    t0 = now_us();
    close(fd);
    wait_stats(&srv, &st, &st.aborted, 1);
    assert_true(now_us() - t0 < 2000000); /* before the 3 s delay */
    assert_int_equal(st.in_flight, 0);
    assert_int_equal(st.requests, 0);
    assert_int_equal(server_stop(&srv), 0);
}

/* --unix: pages only. /stats (and its reset), the index, and the answers
 * (/plan, /ideal, /log) are 404 there, a ?delay_ms= of the client's is 400;
 * pages are served and counted like any other. */
static void test_server_unix_pages_only(void **state)
{
    char path[108], body[256], err[1024], *stats;
    const char *const args[] = {"--delay-ms", "0", "--unix", path, NULL};
    struct server srv;
    struct stat sb;
    int fd;

    (void)state;
    snprintf(path, sizeof path, "/tmp/delay-server-test-%d.sock", (int)getpid());
    start_or_fail(&srv, args);
    assert_int_equal(stat(path, &sb), 0);
    assert_true(S_ISSOCK(sb.st_mode));
    assert_int_equal(sb.st_mode & 0777, 0666);
    assert_int_equal(server_get_unix(path, "/detail/3", body, sizeof body), 200);
    assert_string_equal(body, "{\"id\":3,\"url\":\"/detail/3\",\"delay_ms\":0}\n");
    assert_int_equal(server_get_unix(path, "/healthz", body, sizeof body), 200);
    assert_int_equal(server_get_unix(path, "/plan?n=2", body, sizeof body), 404);
    assert_int_equal(server_get_unix(path, "/plan?n=0&lists=1", body, sizeof body), 404);
    assert_int_equal(server_get_unix(path, "/ideal?n=2&w=1", body, sizeof body), 404);
    assert_int_equal(server_get_unix(path, "/log", body, sizeof body), 404);
    assert_int_equal(server_get_unix(path, "/", body, sizeof body), 404);
    assert_int_equal(server_get_unix(path, "/index", body, sizeof body), 404);
    assert_int_equal(server_get_unix(path, "/detail/3?delay_ms=0", body, sizeof body), 400);
    assert_int_equal(server_get_unix(path, "/stats", body, sizeof body), 404);
    assert_null(strstr(body, "requests"));
    assert_int_equal(server_get_unix(path, "/stats?reset=1", body, sizeof body), 404);
    stats = stats_body(&srv, 0); /* over TCP: counted, not reset */
    assert_fetched(stats, "1-2:0,3:1");
    assert_non_null(strstr(stats, "\"requests\":1,"));
    free(stats);
    assert_int_equal(server_stop(&srv), 0);
    assert_int_equal(stat(path, &sb), -1); /* removed at exit */
    /* A file that is not a socket is refused, and left alone. */
    assert_true((fd = open(path, O_CREAT | O_WRONLY | O_EXCL | O_CLOEXEC, 0600)) >= 0);
    close(fd);
    assert_int_equal(
        run_capture((const char *const[]){"--port", "0", "--unix", path, NULL}, err, sizeof err),
        1);
    assert_non_null(strstr(err, "not a socket"));
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(unlink(path), 0);
}

/* /plan?n=N as JSON, parsed into delays[0..n). */
static void get_plan(const struct server *s, long n, long *delays, unsigned long long *seed)
{
    size_t cap = 1 << 20;
    char *body = malloc(cap), path[64], *p;
    long got_n;
    int used;

    assert_non_null(body);
    snprintf(path, sizeof path, "/plan?n=%ld", n);
    assert_int_equal(server_get(s, path, body, cap), 200);
    assert_int_equal(
        sscanf(body, "{\"seed\":%llu,\"n\":%ld,\"delays_ms\":[%n", seed, &got_n, &used), 2);
    assert_int_equal(got_n, n);
    p = body + used;
    for (long i = 0; i < n; i++) {
        char *end;

        delays[i] = strtol(p, &end, 10);
        assert_true(end > p && *end == (i + 1 < n ? ',' : ']'));
        p = end + 1;
    }
    assert_string_equal(p, "}\n");
    free(body);
}

/* Seeded uneven delays: a pure function of (seed, id), the same in
 * /plan, on the page, in the page's timing and in delay_plan.h. */
static void test_server_plan_deterministic(void **state)
{
    static const char *const a7[] = {"--delay-ms", "10-120", "--seed", "7", NULL};
    static const char *const a8[] = {"--delay-ms", "10-120", "--seed", "8", NULL};
    enum { N = 1000 };
    struct server s7, s7b, s8;
    long *p7 = calloc(N, sizeof *p7), *p7b = calloc(N, sizeof *p7), *p8 = calloc(N, sizeof *p7);
    unsigned long long seed;
    long lo = 1000, hi = 0, same = 0;
    char body[256], path[64], want[128];

    (void)state;
    assert_true(p7 && p7b && p8);
    start_or_fail(&s7, a7);
    start_or_fail(&s7b, a7);
    start_or_fail(&s8, a8);
    get_plan(&s7, N, p7, &seed);
    assert_int_equal(seed, 7);
    get_plan(&s7b, N, p7b, &seed);
    get_plan(&s8, N, p8, &seed);
    assert_int_equal(seed, 8);
    for (long i = 0; i < N; i++) {
        assert_int_equal(p7[i], dplan_delay_ms(7, i + 1, 10, 120));
        assert_int_equal(p7[i], p7b[i]); /* another run: the same */
        lo = p7[i] < lo ? p7[i] : lo;
        hi = p7[i] > hi ? p7[i] : hi;
        same += p7[i] == p8[i];
    }
    assert_true(lo >= 10 && hi <= 120);
    assert_true(lo < 20 && hi > 110); /* spread over the range */
    assert_true(same < N / 10);       /* another seed, other delays */
    for (long id = 1; id <= 3; id++) {
        long long t0 = now_us(), ms;

        snprintf(path, sizeof path, "/detail/%ld", id);
        assert_int_equal(server_get(&s7, path, body, sizeof body), 200);
        ms = (now_us() - t0) / 1000;
        snprintf(want, sizeof want, "{\"id\":%ld,\"url\":\"/detail/%ld\",\"delay_ms\":%ld}\n", id,
                 id, p7[id - 1]);
        assert_string_equal(body, want);
        assert_true(ms >= p7[id - 1] && ms <= p7[id - 1] + SLACK_MS);
    }
    assert_int_equal(server_get(&s7, "/detail/2?delay_ms=0", body, sizeof body), 200);
    assert_non_null(strstr(body, "\"delay_ms\":0}")); /* the override wins */
    get_plan(&s7, 100000, p7 = realloc(p7, 100000 * sizeof *p7), &seed);
    assert_int_equal(p7[99999], dplan_delay_ms(7, 100000, 10, 120));
    assert_int_equal(server_get(&s7, "/plan?n=100001", NULL, 0), 400);
    assert_int_equal(server_get(&s7, "/plan", NULL, 0), 400);
    assert_int_equal(server_stop(&s7), 0);
    assert_int_equal(server_stop(&s7b), 0);
    assert_int_equal(server_stop(&s8), 0);
    free(p7);
    free(p7b);
    free(p8);
}

/* What one attempt got: 200, 500, -1 reset/closed unanswered, 0 no
 * answer within wait_ms (the client then leaves). */
static int attempt(const struct server *s, long id, int wait_ms)
{
    char req[128];
    struct pollfd p;
    struct resp out;
    struct reader *r = calloc(1, sizeof *r);
    int rc;

    assert_non_null(r);
    snprintf(req, sizeof req, "GET /detail/%ld HTTP/1.1\r\nHost: x\r\n\r\n", id);
    r->fd = tcp_connect(s->port);
    send_all(r->fd, req, strlen(req));
    p = (struct pollfd){.fd = r->fd, .events = POLLIN};
    if (poll(&p, 1, wait_ms) == 0)
        rc = 0;
    else
        rc = read_resp(r, &out) == 0 ? out.status : -1;
    close(r->fd);
    free(r);
    return rc;
}

/* Faults: attempt k of id i always meets dplan_fault(seed, i, k), and
 * each kind is counted once. */
static void test_server_faults_deterministic(void **state)
{
    static const char *const args[] = {
        "--delay-ms",   "0",   "--seed",       "5",   "--fail-rate", "0.3",
        "--reset-rate", "0.2", "--stall-rate", "0.1", NULL};
    static const struct dplan_rates rates = {0.3, 0.2, 0.1};
    struct server srv;
    struct server_stats st;
    long long kinds[4] = {0};
    long att[41] = {0};

    (void)state;
    start_or_fail(&srv, args);
    for (int k = 0; k < 60; k++) {
        long id = k < 40 ? k + 1 : 7; /* ids 1..40 once, then id 7 again and again */
        enum dplan_fault f = dplan_fault(5, id, ++att[id], &rates);
        int got = attempt(&srv, id, f == DPLAN_STALL ? 200 : 5000);
        int want = f == DPLAN_OK ? 200 : f == DPLAN_FAIL ? 500 : f == DPLAN_RESET ? -1 : 0;

        if (got != want)
            fail_msg("id %ld attempt %ld: got %d, want %d", id, att[id], got, want);
        kinds[f]++;
    }
    print_message("faults over 60 attempts: %lld ok, %lld 500, %lld resets, %lld stalls\n",
                  kinds[DPLAN_OK], kinds[DPLAN_FAIL], kinds[DPLAN_RESET], kinds[DPLAN_STALL]);
    assert_true(kinds[DPLAN_OK] > 0 && kinds[DPLAN_FAIL] > 0 && kinds[DPLAN_RESET] > 0 &&
                kinds[DPLAN_STALL] > 0);
    wait_stats(&srv, &st, &st.aborted, kinds[DPLAN_STALL]); /* stalled, then left */
    assert_int_equal(st.failed_faults, kinds[DPLAN_FAIL]);
    assert_int_equal(st.resets, kinds[DPLAN_RESET]);
    assert_int_equal(st.stalls, kinds[DPLAN_STALL]);
    assert_int_equal(st.requests, kinds[DPLAN_OK] + kinds[DPLAN_FAIL]);
    assert_int_equal(st.in_flight, 0);
    assert_int_equal(server_stop(&srv), 0);
}

/* HTTP details: absolute-form targets, and the Host rule. */
static void test_server_absolute_form_and_host(void **state)
{
    struct resp out;

    assert_int_equal(
        ask(*state, "GET http://127.0.0.1/detail/3?delay_ms=0 HTTP/1.1\r\nHost: y\r\n\r\n", &out),
        0);
    assert_int_equal(out.status, 200);
    assert_string_equal(out.body, "{\"id\":3,\"url\":\"/detail/3\",\"delay_ms\":0}\n");
    expect_error(*state, "GET /healthz HTTP/1.1\r\n\r\n", 400);
    assert_int_equal(ask(*state, "GET /healthz HTTP/1.1\r\n\r\n", &out), 0);
    assert_non_null(strstr(out.body, "Host"));
    expect_error(*state, "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
}

/* ---- the frontier crawl: --pages, /list, /ideal ---- */

/* GET path into a heap buffer big enough for a list page; returns the
 * status, the body in *body (free it). */
static int get_big(const struct server *s, const char *path, char **body)
{
    size_t cap = 1 << 20;

    assert_non_null(*body = malloc(cap));
    return server_get(s, path, *body, cap);
}

/* The exact list page P the docs show, from delay_plan.h. */
static void want_list(uint64_t seed, long L, long K, long p, int chain, char *out, size_t cap)
{
    long ids[1000];
    size_t len;

    assert_int_equal(dplan_list_page(seed, L, K, p, ids), 0);
    len = (size_t)snprintf(out, cap, "<!doctype html><title>list %ld</title>\n<ul>\n", p);
    for (long j = 0; j < K; j++)
        len += (size_t)snprintf(out + len, cap - len,
                                "<li><a href=\"/detail/%ld\">item %ld</a></li>\n", ids[j], ids[j]);
    len += (size_t)snprintf(out + len, cap - len, "</ul>\n");
    if (chain && p < L)
        snprintf(out + len, cap - len, "<a rel=\"next\" href=\"/list/%ld\">next</a>\n", p + 1);
}

/* The ids a list page links to, from its HTML; returns how many. */
static int page_ids(const char *body, long *ids, int max)
{
    int n = 0;

    for (const char *p = body; n < max && (p = strstr(p, "href=\"/detail/")) != NULL; n++) {
        p += strlen("href=\"/detail/");
        ids[n] = strtol(p, NULL, 10);
    }
    return n;
}

/* Each list page exactly as documented; together they list every id
 * 1..L*K once; pages out of range are 404 at once. */
static void test_server_list_pages(void **state)
{
    enum { L = 7, K = 40 };
    static const char *const args[] = {"--delay-ms", "0",  "--list-delay-ms", "0",  "--pages", "7",
                                       "--per-page", "40", "--seed",          "11", NULL};
    struct server srv;
    char path[64], *body, *want = malloc(1 << 16);
    char seen[L * K + 1] = {0};
    long ids[K + 1];
    struct resp out;

    (void)state;
    assert_non_null(want);
    start_or_fail(&srv, args);
    for (long p = 1; p <= L; p++) {
        snprintf(path, sizeof path, "/list/%ld", p);
        assert_int_equal(get_big(&srv, path, &body), 200);
        want_list(11, L, K, p, 0, want, 1 << 16);
        assert_string_equal(body, want);
        assert_int_equal(page_ids(body, ids, K + 1), K);
        for (int j = 0; j < K; j++) {
            assert_true(ids[j] >= 1 && ids[j] <= L * K);
            assert_int_equal(seen[ids[j]]++, 0);
        }
        assert_null(strstr(body, "rel=\"next\"")); /* no --chain */
        free(body);
    }
    assert_int_equal(ask(&srv, "GET /list/3 HTTP/1.1\r\nHost: x\r\n\r\n", &out), 0);
    assert_non_null(strstr(out.head, "Content-Type: text/html; charset=utf-8\r\n"));
    expect_error(&srv, "GET /list/0 HTTP/1.1\r\nHost: x\r\n\r\n", 404);
    expect_error(&srv, "GET /list/8 HTTP/1.1\r\nHost: x\r\n\r\n", 404);
    expect_error(&srv, "GET /list/abc HTTP/1.1\r\nHost: x\r\n\r\n", 404);
    expect_error(&srv, "GET /list/ HTTP/1.1\r\nHost: x\r\n\r\n", 404);
    expect_error(&srv, "GET /list/03 HTTP/1.1\r\nHost: x\r\n\r\n", 404);
    free(want);
    assert_int_equal(server_stop(&srv), 0);
}

/* Without --pages there are no list pages (the shared server). */
static void test_server_list_off(void **state)
{
    expect_error(*state, "GET /list/1 HTTP/1.1\r\nHost: x\r\n\r\n", 404);
}

/* --chain links page P to P+1, the last to none; --list-fail-ids are
 * 500 after their delay; a list page is a page on the unix socket too. */
static void test_server_list_chain_fail(void **state)
{
    char sock[108], *body, want[4096];
    const char *const args[] = {
        "--delay-ms", "0",       "--list-delay-ms", "150", "--pages", "3",  "--per-page",
        "2",          "--chain", "--list-fail-ids", "2",   "--unix",  sock, NULL};
    struct server srv;
    struct server_stats st;
    long long t0;

    (void)state;
    snprintf(sock, sizeof sock, "/tmp/delay-server-list-%d.sock", (int)getpid());
    start_or_fail(&srv, args);
    t0 = now_us();
    assert_int_equal(get_big(&srv, "/list/1", &body), 200);
    assert_true(now_us() - t0 >= 150000);
    want_list(1, 3, 2, 1, 1, want, sizeof want);
    assert_string_equal(body, want);
    assert_non_null(strstr(body, "</ul>\n<a rel=\"next\" href=\"/list/2\">next</a>\n"));
    t0 = now_us();
    assert_int_equal(server_get(&srv, "/list/2", body, 4096), 500);
    assert_true(now_us() - t0 >= 150000); /* after its delay, like --fail-ids */
    assert_non_null(strstr(body, "list page 2"));
    assert_int_equal(server_get_unix(sock, "/list/3", body, 4096), 200);
    want_list(1, 3, 2, 3, 1, want, sizeof want);
    assert_string_equal(body, want); /* the last page: no next */
    assert_int_equal(server_stats(&srv, &st, 0), 0);
    assert_int_equal(st.requests, 3);
    assert_int_equal(st.errors, 1);
    assert_int_equal(st.failed_faults, 0); /* that is --fail-rate's */
    free(body);
    assert_int_equal(server_stop(&srv), 0);
}

/* A list page's delay is dplan_list_delay_ms: in /plan, on the clock,
 * unrelated to the detail of the same number; by default --delay-ms's. */
static void test_server_list_delays(void **state)
{
    static const char *const args[] = {
        "--delay-ms", "10-300", "--list-delay-ms", "100-300", "--seed", "4",
        "--pages",    "200",    "--per-page",      "1",       NULL};
    static const char *const plain[] = {"--delay-ms", "120", "--pages", "2", NULL};
    struct server srv;
    char *body, path[64], want[64];
    const char *p;
    long same = 0;

    (void)state;
    start_or_fail(&srv, args);
    assert_int_equal(get_big(&srv, "/plan?n=200", &body), 200);
    assert_non_null(
        p = strstr(body, "],\"pages\":200,\"per_page\":1,\"chain\":0,\"list_delays_ms\":["));
    p = strchr(p + 2, '[') + 1;
    for (long page = 1; page <= 200; page++) {
        char *end;
        long d = strtol(p, &end, 10);

        assert_int_equal(d, dplan_list_delay_ms(4, page, 100, 300));
        same += d == dplan_delay_ms(4, page, 10, 300);
        p = end + 1;
    }
    assert_string_equal(p - 1, "]}\n");
    assert_true(same < 10);
    free(body);
    for (long page = 1; page <= 3; page++) {
        long d = dplan_list_delay_ms(4, page, 100, 300);
        long long t0 = now_us(), ms;

        snprintf(path, sizeof path, "/list/%ld", page);
        assert_int_equal(server_get(&srv, path, NULL, 0), 200);
        ms = (now_us() - t0) / 1000;
        assert_true(ms >= d && ms <= d + SLACK_MS);
    }
    assert_int_equal(get_big(&srv, "/plan?n=0&lists=1", &body), 200);
    assert_non_null(strstr(body, "\"lists\":[["));
    snprintf(want, sizeof want, "[%ld]]}\n", dplan_perm_id(4, 200, 199));
    assert_non_null(strstr(body, want));
    free(body);
    assert_int_equal(server_stop(&srv), 0);
    start_or_fail(&srv, plain);
    assert_int_equal(get_big(&srv, "/plan?n=1", &body), 200);
    assert_string_equal(body, "{\"seed\":1,\"n\":1,\"delays_ms\":[120],\"pages\":2,\"per_page\":0,"
                              "\"chain\":0,\"list_delays_ms\":[120,120]}\n");
    free(body);
    assert_int_equal(server_stop(&srv), 0);
}

/* Send a request on a new connection and leave it open (its page waits). */
static int send_open(const struct server *s, const char *path)
{
    char req[128];
    int fd = tcp_connect(s->port);

    snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
    send_all(fd, req, strlen(req));
    return fd;
}

/* /stats: list pages are page requests (in flight, requests) with counts
 * of their own after every older field; a reset clears them. */
static void test_server_list_stats(void **state)
{
    static const char *const args[] = {"--delay-ms", "300", "--pages", "5",
                                       "--per-page", "2",   NULL};
    struct server srv;
    struct server_stats st;
    unsigned int counts[6];
    char *body, *p;
    int a, b;

    (void)state;
    start_or_fail(&srv, args);
    a = send_open(&srv, "/list/2");
    b = send_open(&srv, "/detail/4");
    wait_stats(&srv, &st, &st.in_flight, 2); /* a list page is in flight too */
    close(a);
    close(b);
    wait_stats(&srv, &st, &st.aborted, 2);
    assert_int_equal(server_get(&srv, "/list/2?delay_ms=0", NULL, 0), 200);
    assert_int_equal(server_get(&srv, "/list/4?delay_ms=0", NULL, 0), 200);
    body = stats_body(&srv, 0);
    assert_non_null(strstr(body, "\"peak_in_flight\":2,"));
    assert_non_null(strstr(body, "\"requests\":2,"));
    assert_non_null(
        p = strstr(body, "\"fetched\":\"1-3:0,4:1\",\"list_fetches\":3,\"list_counts\":\""));
    assert_int_equal(server_parse_fetched(strstr(p, "\"list_counts\":\"") + 15, counts, 6, NULL),
                     0);
    assert_int_equal(counts[1], 2);
    assert_int_equal(counts[3], 1);
    assert_int_equal(counts[0] + counts[2] + counts[4] + counts[5], 0);
    assert_string_equal(strstr(body, "\"list_counts\""), "\"list_counts\":\"1:0,2:2,3:0,4:1\"}\n");
    free(body);
    free(stats_body(&srv, 1));
    body = stats_body(&srv, 0);
    assert_non_null(strstr(body, "\"fetched\":\"\",\"list_fetches\":0,\"list_counts\":\"\"}\n"));
    free(body);
    assert_int_equal(server_stop(&srv), 0);
}

/* The fields of every /log line: 7 as always without --pages, 8 (the
 * kind) with it, list pages included. */
static void assert_log(const struct server *s, const char *const want[], int n)
{
    char *body, *line;
    int k = 0;

    assert_int_equal(get_big(s, "/log", &body), 200);
    for (line = strtok(body, "\n"); line != NULL; line = strtok(NULL, "\n"), k++) {
        long id, att, status, pid;
        long long t0, t1;
        char end[16], kind[16] = "";
        int used = 0, fields = sscanf(line, "%ld %ld %lld %lld %15s %ld %ld %15s%n", &id, &att, &t0,
                                      &t1, end, &status, &pid, kind, &used);
        char got[64];

        assert_true(k < n);
        assert_true(fields >= 7);
        assert_true(t1 >= t0 && t0 > 0);
        snprintf(got, sizeof got, "%ld %ld %s %ld%s%s", id, att, end, status,
                 fields == 8 ? " " : "", kind);
        assert_string_equal(got, want[k]);
        assert_int_equal(fields == 8 ? (size_t)used : strlen(line), strlen(line));
    }
    assert_int_equal(k, n);
    free(body);
}

/* The server's /log through sc_parse_log: kinds[k] is '1' if record k is
 * a list page. */
static void assert_sc_log_kinds(const struct server *s, const char *kinds)
{
    struct sc_log_rec *r;
    char *body;
    size_t n;

    assert_int_equal(get_big(s, "/log", &body), 200);
    assert_int_equal(sc_parse_log(body, &r, &n), 0);
    assert_int_equal(n, strlen(kinds));
    for (size_t k = 0; k < n; k++)
        assert_int_equal(r[k].is_list, kinds[k] == '1');
    free(r);
    free(body);
}

static void test_server_log_kinds(void **state)
{
    static const char *const off[] = {"--delay-ms", "0", NULL};
    static const char *const on[] = {"--delay-ms",      "0", "--pages", "2", "--per-page", "1",
                                     "--list-fail-ids", "2", NULL};
    static const char *const want_off[] = {"3 1 answered 200", "3 2 answered 200"};
    static const char *const want_on[] = {"3 1 answered 200 detail", "1 1 answered 200 list",
                                          "2 1 answered 500 list", "1 2 answered 200 list"};
    struct server srv;

    (void)state;
    start_or_fail(&srv, off);
    assert_int_equal(server_get(&srv, "/detail/3", NULL, 0), 200);
    assert_int_equal(server_get(&srv, "/list/1", NULL, 0), 404); /* not a page here */
    assert_int_equal(server_get(&srv, "/detail/3", NULL, 0), 200);
    assert_log(&srv, want_off, 2);
    assert_sc_log_kinds(&srv, "00");
    assert_int_equal(server_stop(&srv), 0);
    start_or_fail(&srv, on);
    assert_int_equal(server_get(&srv, "/detail/3", NULL, 0), 200);
    assert_int_equal(server_get(&srv, "/list/1", NULL, 0), 200);
    assert_int_equal(server_get(&srv, "/list/2", NULL, 0), 500);
    assert_int_equal(server_get(&srv, "/list/1", NULL, 0), 200);
    assert_log(&srv, want_on, 4);
    assert_sc_log_kinds(&srv, "0111");
    assert_int_equal(server_stop(&srv), 0);
}

/* sc_parse_log: 7 fields (no --pages) or an 8th, list or detail, into
 * is_list; anything else after the 7th is malformed. */
static void test_server_parse_log(void **state)
{
    static const char ok[] = "3 1 100 200 answered 200 0\n"
                             "4 2 100 0 open 0 77 list\n"
                             "5 1 100 300 cut 200 0 detail\n"
                             "2 1 100 300 aborted 0 0";
    static const char *const bad[] = {
        "3 1 100 200 answered 200 0 lists\n", "3 1 100 200 answered 200 0 detail x\n",
        "3 1 100 200 answered 200 0 page\n",  "3 1 100 200 answered 200 0 \n",
        "3 1 100 200 answered 200 0list\n",   "3 1 100 200 answered 200\n",
    };
    struct sc_log_rec *r;
    size_t n;

    (void)state;
    assert_int_equal(sc_parse_log(ok, &r, &n), 0);
    assert_int_equal(n, 4);
    assert_int_equal(r[0].is_list, 0);
    assert_int_equal(r[0].end, 'a');
    assert_int_equal(r[1].is_list, 1);
    assert_int_equal(r[1].id, 4);
    assert_int_equal(r[1].attempt, 2);
    assert_int_equal(r[1].end, 'o');
    assert_int_equal(r[1].pid, 77);
    assert_int_equal(r[2].is_list, 0);
    assert_int_equal(r[2].end, 'c');
    assert_int_equal(r[3].is_list, 0);
    assert_int_equal(r[3].end, 'x');
    free(r);
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        assert_int_equal(sc_parse_log(bad[k], &r, &n), -1);
        assert_null(r);
        assert_int_equal(n, 0);
    }
}

/* GET /ideal and its value, or the status when it is not 200. */
static double get_ideal(const struct server *s, const char *query)
{
    char path[128], body[256];
    double v;
    int used = 0, status;

    snprintf(path, sizeof path, "/ideal?%s", query);
    status = server_get(s, path, body, sizeof body);
    if (status != 200)
        return -status;
    assert_int_equal(sscanf(body, "{\"ideal_s\":%lf}\n%n", &v, &used), 1);
    assert_int_equal((size_t)used, strlen(body));
    return v;
}

/* /ideal on fixed delays, by hand; on seeded delays, as delay_plan.h
 * computes it from /plan's numbers; and its errors. */
static void test_server_ideal(void **state)
{
    static const char *const fixed[] = {
        "--delay-ms", "1000", "--list-delay-ms", "500", "--pages", "2", "--per-page", "3", NULL};
    static const char *const chain[] = {"--delay-ms", "1000", "--list-delay-ms", "500",
                                        "--pages",    "2",    "--per-page",      "3",
                                        "--chain",    NULL};
    static const char *const uneven[] = {"--delay-ms", "10-900",     "--seed", "6", "--pages",
                                         "30",         "--per-page", "20",     NULL};
    enum { L = 30, K = 20, N = 5000 };
    struct server srv;
    long lists[L], details[L * K], ids[K], *d = malloc(N * sizeof *d);
    char q[64];

    (void)state;
    assert_non_null(d);
    start_or_fail(&srv, fixed);
    assert_true(get_ideal(&srv, "n=10&w=3") == 4.0); /* ceil(10/3) rounds of 1 s */
    assert_true(get_ideal(&srv, "n=10&w=0") == 1.0);
    assert_true(get_ideal(&srv, "n=0&w=3") == 0.0);
    /* lists 0-0.5 on both machines, then six 1 s details on two: 3.5 */
    assert_true(get_ideal(&srv, "w=2&frontier=1") == 3.5);
    assert_true(get_ideal(&srv, "w=2&frontier=1&stages=1") == 3.5);
    assert_true(get_ideal(&srv, "w=0&frontier=1") == 1.5);
    assert_true(get_ideal(&srv, "w=1&frontier=1") == 7.0);
    assert_true(get_ideal(&srv, "n=10") == -400);
    assert_true(get_ideal(&srv, "n=10&w=1000001") == -400);
    assert_true(get_ideal(&srv, "n=100001&w=1") == -400);
    assert_true(get_ideal(&srv, "n=10&w=1&frontier=1") == -400);
    assert_true(get_ideal(&srv, "w=1") == -400);
    assert_true(get_ideal(&srv, "n=10&w=1&stages=1") == -400);
    assert_true(get_ideal(&srv, "w=1&frontier=2") == -400);
    assert_int_equal(server_stop(&srv), 0);
    /* chain: list 2 from 0.5 to 1, its details to 2; stages, level by level: L1 to .5, list 1's
     * details and L2 to 1.5, list 2's details to 2.5 */
    start_or_fail(&srv, chain);
    assert_true(get_ideal(&srv, "w=0&frontier=1") == 2.0);
    assert_true(get_ideal(&srv, "w=0&frontier=1&stages=1") == 2.5);
    /* first in, first out: L1 0-.5; two of its details .5-1.5, then the third and L2 (last on
     * the page) 1.5-2.5 and 1.5-2; list 2's details 2-3, 2.5-3.5, 3-4 */
    assert_true(get_ideal(&srv, "w=2&frontier=1") == 4.0);
    assert_int_equal(server_stop(&srv), 0);
    start_or_fail(&srv, uneven);
    for (long id = 1; id <= N; id++)
        d[id - 1] = dplan_delay_ms(6, id, 10, 900);
    for (long p = 1; p <= L; p++) {
        lists[p - 1] = dplan_list_delay_ms(6, p, 10, 900);
        assert_int_equal(dplan_list_page(6, L, K, p, ids), 0);
        for (int j = 0; j < K; j++)
            details[(p - 1) * K + j] = dplan_delay_ms(6, ids[j], 10, 900);
    }
    for (int w = 0; w <= 300; w += 7) {
        double want;

        snprintf(q, sizeof q, "n=%d&w=%d", N, w);
        want = dplan_greedy_s(d, N, w);
        assert_true(fabs(get_ideal(&srv, q) - want) < 0.0006);
        snprintf(q, sizeof q, "w=%d&frontier=1", w);
        want = dplan_frontier_s(lists, L, details, K, w, 0);
        assert_true(fabs(get_ideal(&srv, q) - want) < 0.0006);
        snprintf(q, sizeof q, "w=%d&frontier=1&stages=1", w);
        want = dplan_frontier_s(lists, L, details, K, w, DPLAN_STAGES);
        assert_true(fabs(get_ideal(&srv, q) - want) < 0.0006);
    }
    assert_int_equal(server_stop(&srv), 0);
    start_or_fail(&srv, (const char *const[]){"--delay-ms", "0", NULL});
    assert_true(get_ideal(&srv, "w=1&frontier=1") == -400); /* needs --pages */
    assert_int_equal(server_stop(&srv), 0);
    free(d);
}

/* ---- deadlines ---- */

static void raise_nofile(int n); /* with the load tests, below */

/* A well-behaved client on its own thread: one page after another on one
 * keep-alive connection, each timed, until told to stop. No cmocka asserts
 * off the main thread: it counts what went wrong instead. */
struct steady {
    int fd; /* connected (and answered once) before the others come */
    atomic_int stop;
    int served, failed;
    long long worst_us; /* slowest answer, send to last byte */
};

#define STEADY_DELAY_MS 50

/* GET path on the keep-alive connection fd: the status, or -1. */
static int steady_get(int fd, const char *path)
{
    char buf[4096];
    const char *body;
    size_t len = 0;
    int status, done = 0, n = snprintf(buf, sizeof buf, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);

    if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
        return -1;
    while (done == 0 && len < sizeof buf - 1) {
        ssize_t got = recv(fd, buf + len, sizeof buf - 1 - len, 0);

        if (got <= 0)
            return -1;
        len += (size_t)got;
        buf[len] = '\0';
        done = sc_response_done(buf, len, 0, &status, &body);
    }
    return done == 1 ? status : -1;
}

static void *steady_run(void *arg)
{
    struct steady *sc = arg;
    char path[64];

    for (int id = 1; !atomic_load(&sc->stop) && id < 100000; id++) {
        long long t0 = now_us(), us;

        snprintf(path, sizeof path, "/detail/%d?delay_ms=%d", id, STEADY_DELAY_MS);
        if (steady_get(sc->fd, path) != 200)
            sc->failed++;
        us = now_us() - t0;
        if (us < STEADY_DELAY_MS * 1000)
            sc->failed++; /* answered before its delay: wrong too */
        sc->worst_us = us > sc->worst_us ? us : sc->worst_us;
        sc->served++;
        usleep(10000);
    }
    return NULL;
}

/* Connect n sockets and send each half a head; t_sent[i] is taken before
 * the send, so the server's first byte cannot be earlier. */
static void send_half_heads(int port, struct pollfd *pfd, long long *t_sent, int n)
{
    static const char half[] = "GET /detail/1 HTTP/1.1\r\nHo";

    for (int i = 0; i < n; i++) {
        pfd[i].fd = tcp_connect(port);
        pfd[i].events = POLLIN;
        t_sent[i] = now_us();
        send_all(pfd[i].fd, half, strlen(half));
    }
}

/* Wait (at most until deadline_us) for the server to close every fd;
 * t_closed[i] is when we saw it. Returns how many it closed. */
static int wait_closed(struct pollfd *pfd, long long *t_closed, int n, long long deadline_us)
{
    int closed = 0;
    char buf[512];

    while (closed < n && now_us() < deadline_us) {
        int k = poll(pfd, (nfds_t)n, 100);

        assert_true(k >= 0);
        for (int i = 0; i < n && k > 0; i++) {
            ssize_t got;

            if (pfd[i].fd < 0 || pfd[i].revents == 0)
                continue;
            k--;
            got = recv(pfd[i].fd, buf, sizeof buf, MSG_DONTWAIT);
            if (got > 0 || (got == -1 && errno == EAGAIN))
                continue; /* a 408 or the like would do too: read on */
            t_closed[i] = now_us();
            close(pfd[i].fd);
            pfd[i].fd = -1;
            closed++;
        }
    }
    return closed;
}

/* Slowloris: 2,000 half-sent heads are each closed at the header
 * timeout, no earlier, while a normal client is served on time
 * throughout: the loop takes the burst of connects and the wave of
 * timeouts a batch at a time (64 accepts, 64 timers a turn), so the
 * client's page waits a turn or two, not the whole burst or wave. Its
 * connection is open before the burst: a new one would queue in the
 * kernel behind the 2,000 (FIFO), a wait of 2,000 accepts that measures
 * the build's speed (450 ms under ThreadSanitizer), not a stall. The
 * bound is the same in every build. */
static void test_server_header_timeout(void **state)
{
    enum { N = 2000, TIMEOUT_MS = 500, GRACE_MS = 4000 };
    static const char *const args[] = {"--delay-ms",          "0",   "--max-conns", "20000",
                                       "--header-timeout-ms", "500", NULL};
    struct pollfd *pfd = calloc(N, sizeof *pfd);
    long long *t_sent = calloc(N, sizeof *t_sent), *t_closed = calloc(N, sizeof *t_closed);
    long long early = 0, late = 0, t0;
    struct server srv;
    struct server_stats st;
    struct steady sc = {.fd = -1};
    pthread_t th;
    int closed;

    (void)state;
    assert_true(pfd && t_sent && t_closed);
    raise_nofile(N);
    start_or_fail(&srv, args);
    sc.fd = tcp_connect(srv.port);
    assert_int_equal(steady_get(sc.fd, "/healthz"), 200); /* accepted: not in the queue */
    assert_int_equal(pthread_create(&th, NULL, steady_run, &sc), 0);
    t0 = now_us();
    send_half_heads(srv.port, pfd, t_sent, N);
    closed = wait_closed(pfd, t_closed, N, now_us() + (TIMEOUT_MS + GRACE_MS) * 1000LL);
    usleep(200000); /* the normal client goes on after the wave too */
    atomic_store(&sc.stop, 1);
    assert_int_equal(pthread_join(th, NULL), 0);
    close(sc.fd);
    for (int i = 0; i < N; i++) {
        long long ms = (t_closed[i] - t_sent[i]) / 1000;

        early += pfd[i].fd < 0 && ms < TIMEOUT_MS;
        late = ms > late ? ms : late;
        if (pfd[i].fd >= 0)
            close(pfd[i].fd);
    }
    print_message("header timeout %d ms: %d of %d half heads closed, the last %lld ms after "
                  "its send (all sent in %.0f ms); normal client: %d pages, slowest %.1f ms "
                  "for a %d ms delay\n",
                  TIMEOUT_MS, closed, N, late, (t_sent[N - 1] - t0) / 1e3, sc.served,
                  sc.worst_us / 1e3, STEADY_DELAY_MS);
    assert_int_equal(closed, N);
    assert_int_equal(early, 0);
    assert_true(late <= TIMEOUT_MS + GRACE_MS);
    assert_int_equal(sc.failed, 0);
    assert_true(sc.served >= 3);
    assert_true(sc.worst_us <= (STEADY_DELAY_MS + SLACK_MS) * 1000LL);
    assert_int_equal(server_stats(&srv, &st, 0), 0);
    assert_int_equal(st.timeouts, N);
    assert_int_equal(st.in_flight, 0);
    assert_int_equal(server_stop(&srv), 0);
    free(pfd);
    free(t_sent);
    free(t_closed);
}

/* Keep-alive idle: a silent connection, and one idle after an answer,
 * are closed after the idle timeout (not counted as timeouts); one that
 * keeps asking stays open. */
static void test_server_idle_timeout(void **state)
{
    enum { IDLE_MS = 400 };
    static const char *const args[] = {"--delay-ms", "0", "--idle-timeout-ms", "400", NULL};
    static const char req[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    struct reader *busy = calloc(1, sizeof *busy), *after = calloc(1, sizeof *after);
    struct pollfd pfd[2];
    long long t_start[2], t_closed[2] = {0}, t0;
    int closed = 0;
    struct server srv;
    struct server_stats st;
    struct resp out;

    (void)state;
    assert_true(busy && after);
    start_or_fail(&srv, args);
    t_start[0] = now_us();
    pfd[0] = (struct pollfd){.fd = tcp_connect(srv.port), .events = POLLIN}; /* silent */
    after->fd = tcp_connect(srv.port);
    /* Its idle time starts when the server has sent the answer: after this
     * send, and before our read returns (which a loaded machine can delay
     * past the server's start). Timed from the send: a strict lower bound. */
    t_start[1] = now_us();
    send_all(after->fd, req, strlen(req));
    assert_int_equal(read_resp(after, &out), 0);
    pfd[1] = (struct pollfd){.fd = after->fd, .events = POLLIN};
    busy->fd = tcp_connect(srv.port);
    t0 = now_us();
    while (now_us() - t0 < 4 * IDLE_MS * 1000LL) { /* busy asks every IDLE_MS / 2 */
        closed += wait_closed(pfd, t_closed, 2, now_us() + IDLE_MS / 2 * 1000LL);
        send_all(busy->fd, req, strlen(req));
        assert_int_equal(read_resp(busy, &out), 0);
        assert_int_equal(out.status, 200);
    }
    assert_int_equal(closed, 2);
    for (int i = 0; i < 2; i++) {
        assert_true(t_closed[i] - t_start[i] >= IDLE_MS * 1000LL);
        assert_true(t_closed[i] - t_start[i] <= (IDLE_MS + IDLE_MS / 2 + SLACK_MS) * 1000LL);
    }
    print_message("idle timeout %d ms: closed after %.0f and %.0f ms\n", IDLE_MS,
                  (t_closed[0] - t_start[0]) / 1e3, (t_closed[1] - t_start[1]) / 1e3);
    assert_int_equal(server_stats(&srv, &st, 0), 0);
    assert_int_equal(st.timeouts, 0);
    close(busy->fd);
    free(busy);
    free(after);
    assert_int_equal(server_stop(&srv), 0);
}

/* A response that cannot be written (the client never reads) is
 * dropped after the write timeout, counted once. */
static void test_server_write_timeout(void **state)
{
    enum { WRITE_MS = 300, PLANS = 12 };
    /* Six-digit delays: each /plan?n=100000 is 700 KB. */
    static const char *const args[] = {"--delay-ms", "100000-600000", "--write-timeout-ms", "300",
                                       NULL};
    static const char req[] = "GET /plan?n=100000 HTTP/1.1\r\nHost: x\r\n\r\n";
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int small = 4096, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct server srv;
    struct server_stats st;
    long long t0, ms;

    (void)state;
    assert_true(fd >= 0);
    start_or_fail(&srv, args);
    sa.sin_port = htons((uint16_t)srv.port);
    /* A small window before connect: 12 x 700 KB cannot all sit in
     * buffers (the kernel's send buffer tops out at a few MB). */
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    t0 = now_us();
    for (int i = 0; i < PLANS; i++)
        send_all(fd, req, strlen(req));
    wait_stats(&srv, &st, &st.timeouts, 1);
    ms = (now_us() - t0) / 1000;
    print_message("write timeout %d ms: a reader that never reads dropped after %lld ms\n",
                  WRITE_MS, ms);
    assert_true(ms >= WRITE_MS);
    assert_int_equal(st.connections, 1); /* only our /stats poll */
    close(fd);
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

/* Did the server have every one of its n pages' heads before it sent the
 * first answer? Then all n were in flight at once, however slowly the
 * machine let them in: its own timeline says (GET /log, one clock). */
static int all_in_before_first_out(const struct server *s, int n)
{
    struct sc_log_rec *r;
    char *body;
    size_t got;
    long long last_in = 0, first_out = 0;

    assert_int_equal(get_big(s, "/log", &body), 200);
    assert_int_equal(sc_parse_log(body, &r, &got), 0);
    assert_int_equal(got, (size_t)n);
    for (size_t k = 0; k < got; k++) {
        assert_int_equal(r[k].end, 'a');
        last_in = r[k].start_us > last_in ? r[k].start_us : last_in;
        first_out = k == 0 || r[k].end_us < first_out ? r[k].end_us : first_out;
    }
    free(r);
    free(body);
    return last_in < first_out;
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
    /* All n wait at once unless the server read the last head after the
     * first was due: possible only on a machine far too busy (several
     * ASan load tests at once; the server takes 64 connections a turn, so
     * it reads the first heads while the rest still come). Then say so
     * instead of failing. */
    if (all_in_before_first_out(&srv, n))
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
        cmocka_unit_test(test_server_big_heads),
        cmocka_unit_test(test_server_keep_alive),
        cmocka_unit_test(test_server_pipelined),
        cmocka_unit_test(test_server_connection_close),
        cmocka_unit_test(test_server_http10),
        cmocka_unit_test(test_server_fault_switches),
        cmocka_unit_test(test_server_survives_garbage),
        cmocka_unit_test(test_server_bad_options),
        cmocka_unit_test(test_server_stats_reset),
        cmocka_unit_test(test_server_max_conns),
        cmocka_unit_test(test_server_stats_shape),
        cmocka_unit_test(test_server_fetched_exact),
        cmocka_unit_test(test_server_fetched_long),
        cmocka_unit_test(test_server_aborted),
        cmocka_unit_test(test_server_aborted_full_buffer),
        cmocka_unit_test(test_server_unix_pages_only),
        cmocka_unit_test(test_server_plan_deterministic),
        cmocka_unit_test(test_server_faults_deterministic),
        cmocka_unit_test(test_server_absolute_form_and_host),
        cmocka_unit_test(test_server_list_pages),
        cmocka_unit_test(test_server_list_off),
        cmocka_unit_test(test_server_list_chain_fail),
        cmocka_unit_test(test_server_list_delays),
        cmocka_unit_test(test_server_list_stats),
        cmocka_unit_test(test_server_log_kinds),
        cmocka_unit_test(test_server_parse_log),
        cmocka_unit_test(test_server_ideal),
        cmocka_unit_test(test_server_header_timeout),
        cmocka_unit_test(test_server_idle_timeout),
        cmocka_unit_test(test_server_write_timeout),
        cmocka_unit_test(test_server_load_1000),
        cmocka_unit_test(test_server_load_5000),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
