/* SPDX-License-Identifier: MIT */
/* bench_net.c -- the shared plumbing of bench/raw_client.c and
 * bench/lateness.c (see bench_net.h). */
#include "bench_net.h"

#include "stats_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

double bench_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail with a valid pointer */
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int bench_parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int bench_parse_url(const char *url, struct sockaddr_in *addr, char *path, size_t path_cap)
{
    static const char prefix[] = "http://127.0.0.1:";
    const char *port_start = url + sizeof prefix - 1;
    char *end;
    long port;

    if (strncmp(url, prefix, sizeof prefix - 1) != 0)
        return -1;
    errno = 0;
    port = strtol(port_start, &end, 10);
    if (errno || end == port_start || port < 1 || port > 65535 || (*end && *end != '/'))
        return -1;
    if (strlen(end) >= path_cap)
        return -1;
    strcpy(path, end);
    memset(addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    addr->sin_port = htons((unsigned short)port);
    addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return 0;
}

int bench_raise_fd_limit(long need)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    return rl.rlim_cur == RLIM_INFINITY || (long)rl.rlim_cur >= need ? 0 : -1;
}

int bench_connect(const struct sockaddr_in *addr)
{
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd == -1)
        return -1;
    /* Each request is one small write: Nagle would only add delay. */
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
        (connect(fd, (const struct sockaddr *)addr, sizeof *addr) != 0 && errno != EINPROGRESS)) {
        int saved = errno;

        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int bench_response_done(const char *buf, size_t len, int eof, int *status, const char **body)
{
    return sc_response_done(buf, len, eof, status, body);
}

int bench_read_response(int fd, char *buf, size_t cap, size_t *len, int *status, const char **body)
{
    int eof = 0, done;

    for (;;) {
        ssize_t n = read(fd, buf + *len, cap - 1 - *len);

        if (n > 0) {
            *len += (size_t)n;
            buf[*len] = '\0';
            if (*len < cap - 1)
                continue;
            done = bench_response_done(buf, *len, 0, status, body);
            errno = 0;
            return done == 1 ? 1 : -1; /* full buffer and not done: too big */
        }
        if (n == 0) {
            eof = 1;
            break;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            break;
        return -1;
    }
    done = bench_response_done(buf, *len, eof, status, body);
    if (done == -1)
        errno = 0;
    return done;
}
