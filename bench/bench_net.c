/* SPDX-License-Identifier: MIT */
/* bench_net.c -- the shared plumbing of bench/raw_client.c and
 * bench/lateness.c (see bench_net.h). */
#include "bench_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

/* The value of a header in the head [buf, head_end), or NULL. */
static const char *header_value(const char *buf, const char *head_end, const char *name)
{
    size_t nlen = strlen(name);

    for (const char *line = strstr(buf, "\r\n"); line && line < head_end;
         line = strstr(line + 2, "\r\n")) {
        const char *h = line + 2;

        if ((size_t)(head_end - h) > nlen && strncasecmp(h, name, nlen) == 0 && h[nlen] == ':') {
            h += nlen + 1;
            while (*h == ' ')
                h++;
            return h;
        }
    }
    return NULL;
}

/* A chunked body ends with the zero-size chunk: "0\r\n\r\n". */
static int last_chunk(const char *body, size_t len)
{
    static const char end[] = "\r\n0\r\n\r\n";
    const size_t elen = sizeof end - 1;

    return (len == elen - 2 && memcmp(body, end + 2, elen - 2) == 0) ||
           (len >= elen && memcmp(body + len - elen, end, elen) == 0);
}

int bench_response_done(const char *buf, size_t len, int eof, int *status, const char **body)
{
    const char *head_end, *v;
    size_t body_len;

    /* buf is NUL-terminated by the callers, so the string functions stop. */
    head_end = strstr(buf, "\r\n\r\n");
    if (!head_end)
        return eof ? -1 : 0;
    if (sscanf(buf, "HTTP/1.%*1[01] %3d", status) != 1)
        return -1;
    *body = head_end + 4;
    body_len = len - (size_t)(*body - buf);
    if ((v = header_value(buf, head_end, "Content-Length")) != NULL)
        return body_len >= strtoul(v, NULL, 10) ? 1 : (eof ? -1 : 0);
    if ((v = header_value(buf, head_end, "Transfer-Encoding")) != NULL &&
        strncasecmp(v, "chunked", 7) == 0)
        return last_chunk(*body, body_len) ? 1 : (eof ? -1 : 0);
    return eof; /* no length: the close ends it */
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
