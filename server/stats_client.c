/* SPDX-License-Identifier: MIT */
/* stats_client.c -- a client of the delay-server's own endpoints (see
 * stats_client.h): one GET, bounded in time and size, and the parsers of
 * what /stats, /log and /plan answer. */
#include "stats_client.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define FIRST_CAP 16384

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until fd is ready for events, or the deadline: 0, or -1 (errno). */
static int wait_for(int fd, short events, long long deadline)
{
    for (;;) {
        struct pollfd p = {.fd = fd, .events = events};
        long long left = deadline - now_ms();
        int got;

        if (left <= 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        got = poll(&p, 1, left > 60000 ? 60000 : (int)left);
        if (got > 0)
            return 0;
        if (got < 0 && errno != EINTR)
            return -1;
    }
}

/* A non-blocking socket connected (or connecting) to a; -1 and errno. */
static int open_conn(const struct sc_addr *a, long long deadline)
{
    struct sockaddr_un su = {.sun_family = AF_UNIX};
    struct sockaddr_in si = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    const struct sockaddr *sa = (const struct sockaddr *)&si;
    socklen_t salen = sizeof si;
    int fd, err = 0;
    socklen_t errlen = sizeof err;

    if (a->unix_path) {
        if (strlen(a->unix_path) >= sizeof su.sun_path) {
            errno = ENAMETOOLONG;
            return -1;
        }
        strcpy(su.sun_path, a->unix_path);
        sa = (const struct sockaddr *)&su;
        salen = sizeof su;
    } else if (a->port < 1 || a->port > 65535) {
        errno = EINVAL;
        return -1;
    } else {
        si.sin_port = htons((unsigned short)a->port);
    }
    fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, sa, salen) == 0)
        return fd;
    if (errno != EINPROGRESS || wait_for(fd, POLLOUT, deadline) != 0 ||
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) != 0 || err != 0) {
        int saved = err ? err : errno;

        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

static int send_all(int fd, const char *buf, size_t len, long long deadline)
{
    while (len > 0) {
        ssize_t put = send(fd, buf, len, MSG_NOSIGNAL);

        if (put > 0) {
            buf += put;
            len -= (size_t)put;
        } else if (put < 0 && errno == EINTR) {
            continue;
        } else if (put < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (wait_for(fd, POLLOUT, deadline) != 0)
                return -1;
        } else {
            return -1;
        }
    }
    return 0;
}

/* Read until the response is whole (or the server closes), within the
 * deadline and max_bytes: the answer in *out (NUL-terminated), its length,
 * status and body offset. 0, or -1 and errno. */
static int read_response(int fd, long long deadline, size_t max_bytes, char **out, size_t *out_len,
                         int *status, size_t *body_at)
{
    size_t cap = FIRST_CAP < max_bytes + 1 ? FIRST_CAP : max_bytes + 1, len = 0;
    char *buf = malloc(cap);
    const char *body = NULL;
    int done = 0, eof = 0;

    if (!buf)
        return -1;
    buf[0] = '\0';
    while (!done) {
        ssize_t got;

        if (len + 1 == cap) {
            size_t bigger = cap * 2 < max_bytes + 1 ? cap * 2 : max_bytes + 1;
            char *grown;

            if (bigger == cap) {
                free(buf);
                errno = EMSGSIZE;
                return -1;
            }
            if (!(grown = realloc(buf, bigger))) {
                free(buf);
                return -1;
            }
            buf = grown;
            cap = bigger;
        }
        got = recv(fd, buf + len, cap - 1 - len, 0);
        if (got > 0) {
            len += (size_t)got;
            buf[len] = '\0';
        } else if (got == 0) {
            eof = 1;
        } else if (errno == EINTR) {
            continue;
        } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
            free(buf);
            return -1;
        }
        done = sc_response_done(buf, len, eof, status, &body);
        if (done < 0 || (!done && eof)) {
            free(buf);
            errno = EPROTO;
            return -1;
        }
        if (!done && got < 0 && wait_for(fd, POLLIN, deadline) != 0) {
            free(buf);
            return -1;
        }
    }
    *out = buf;
    *out_len = len;
    *body_at = (size_t)(body - buf);
    return 0;
}

int sc_get(const struct sc_addr *a, const char *path, int timeout_ms, size_t max_bytes,
           struct sc_response *r)
{
    long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 1);
    char req[1200], *answer;
    size_t len, body_at;
    int reqlen, fd, saved;

    memset(r, 0, sizeof *r);
    reqlen = snprintf(req, sizeof req,
                      "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
    if (reqlen < 0 || (size_t)reqlen >= sizeof req || strpbrk(path, " \r\n")) {
        errno = EINVAL;
        return -1;
    }
    if ((fd = open_conn(a, deadline)) < 0)
        return -1;
    if (send_all(fd, req, (size_t)reqlen, deadline) != 0 ||
        read_response(fd, deadline, max_bytes, &answer, &len, &r->status, &body_at) != 0) {
        saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    close(fd);
    r->len = len - body_at;
    memmove(answer, answer + body_at, r->len + 1);
    r->body = answer;
    return 0;
}

void sc_response_free(struct sc_response *r)
{
    free(r->body);
    r->body = NULL;
    r->len = 0;
}

char *sc_get_body(const struct sc_addr *a, const char *path, int timeout_ms, size_t max_bytes,
                  int tries)
{
    const struct timespec pause = {.tv_nsec = 200 * 1000 * 1000};

    for (int k = 0; k < tries; k++) {
        struct sc_response r;

        if (k)
            nanosleep(&pause, NULL);
        if (sc_get(a, path, timeout_ms, max_bytes, &r) != 0)
            continue;
        if (r.status == 200)
            return r.body;
        sc_response_free(&r);
    }
    return NULL;
}

/* ---- the end of a response ---- */

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

int sc_response_done(const char *buf, size_t len, int eof, int *status, const char **body)
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
    if ((v = header_value(buf, head_end, "Content-Length")) != NULL) {
        char *end;
        unsigned long want;

        errno = 0;
        want = strtoul(v, &end, 10);
        if (errno || end == v || (*end != '\r' && *end != ' '))
            return -1;
        return body_len >= want ? 1 : (eof ? -1 : 0);
    }
    if ((v = header_value(buf, head_end, "Transfer-Encoding")) != NULL &&
        strncasecmp(v, "chunked", 7) == 0)
        return last_chunk(*body, body_len) ? 1 : (eof ? -1 : 0);
    return eof; /* no length: the close ends it */
}

/* ---- /stats ---- */

/* The number after "name": in a flat JSON object. 0 or -1. */
static int json_field(const char *json, const char *name, long long *v)
{
    char key[64];
    const char *p;
    char *end;

    snprintf(key, sizeof key, "\"%s\":", name);
    if ((p = strstr(json, key)) == NULL)
        return -1;
    p += strlen(key);
    errno = 0;
    *v = strtoll(p, &end, 10);
    return errno != 0 || end == p ? -1 : 0;
}

int sc_parse_stats(const char *json, struct sc_stats *st)
{
    static const char fetched_key[] = "\"fetched\":\"";
    const char *f;

    memset(st, 0, sizeof *st);
    /* The newer counters are optional: 0 when the server has none. */
    json_field(json, "aborted", &st->aborted);
    json_field(json, "failed_faults", &st->failed_faults);
    json_field(json, "resets", &st->resets);
    json_field(json, "stalls", &st->stalls);
    json_field(json, "timeouts", &st->timeouts);
    json_field(json, "fetched_other", &st->fetched_other);
    if ((f = strstr(json, fetched_key)) != NULL)
        st->fetched = f + sizeof fetched_key - 1;
    if (json_field(json, "requests", &st->requests) != 0 ||
        json_field(json, "in_flight", &st->in_flight) != 0 ||
        json_field(json, "peak_in_flight", &st->peak_in_flight) != 0 ||
        json_field(json, "connections", &st->connections) != 0 ||
        json_field(json, "peak_connections", &st->peak_connections) != 0 ||
        json_field(json, "errors", &st->errors) != 0)
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

int sc_parse_fetched(const char *s, unsigned int *counts, size_t n, long long *beyond, long *max_id)
{
    unsigned long next = 1; /* runs cover 1..max in order */

    memset(counts, 0, n * sizeof *counts);
    if (beyond != NULL)
        *beyond = 0;
    if (max_id != NULL)
        *max_id = 0;
    while (*s != '\0' && *s != '"') {
        unsigned long first, last, count;

        if (parse_run(&s, &first, &last, &count) == -1 || first != next)
            return -1;
        if (count > 0 && max_id != NULL)
            *max_id = (long)last;
        if (count > 0 && last > n && beyond != NULL)
            *beyond += (long long)count * (long long)(last - (first > n ? first : n + 1) + 1);
        for (unsigned long id = first; id <= last && id <= n; id++)
            counts[id - 1] = (unsigned int)count;
        next = last + 1;
        if (*s == ',')
            s++;
        else if (*s != '\0' && *s != '"')
            return -1;
    }
    return 0;
}

/* ---- /log ---- */

static char end_code(const char *word)
{
    return strcmp(word, "aborted") == 0    ? 'x'
           : strcmp(word, "answered") == 0 ? 'a'
           : strcmp(word, "cut") == 0      ? 'c'
           : strcmp(word, "dropped") == 0  ? 'd'
           : strcmp(word, "open") == 0     ? 'o'
                                           : 0;
}

int sc_parse_log(const char *text, struct sc_log_rec **recs, size_t *n)
{
    struct sc_log_rec *out = NULL;
    size_t cap = 0, count = 0;

    *recs = NULL;
    *n = 0;
    while (*text) {
        const char *nl = strchr(text, '\n');
        struct sc_log_rec r;
        char word[16];
        int pid, used = 0;

        if (sscanf(text, "%ld %ld %lld %lld %15s %d %d%n", &r.id, &r.attempt, &r.start_us,
                   &r.end_us, word, &r.status, &pid, &used) != 7 ||
            !(r.end = end_code(word)))
            goto fail;
        /* With --pages an 8th field says the kind; without, all are details. */
        r.is_list = strncmp(text + used, " list", 5) == 0;
        if (r.is_list)
            used += 5;
        else if (strncmp(text + used, " detail", 7) == 0)
            used += 7;
        if (text[used] != '\n' && text[used] != '\0')
            goto fail;
        r.pid = (pid_t)pid;
        if (count == cap) {
            size_t bigger = cap ? 2 * cap : 256;
            struct sc_log_rec *grown = realloc(out, bigger * sizeof *grown);

            if (!grown)
                goto fail;
            out = grown;
            cap = bigger;
        }
        out[count++] = r;
        if (!nl)
            break;
        text = nl + 1;
    }
    *recs = out;
    *n = count;
    return 0;
fail:
    free(out);
    return -1;
}

/* ---- /plan ---- */

int sc_parse_plan(const char *json, long *delays_ms, size_t n)
{
    static const char key[] = "\"delays_ms\":[";
    const char *p = strstr(json, key);
    size_t k = 0;

    if (!p)
        return -1;
    p += sizeof key - 1;
    for (; k < n; k++) {
        char *end;

        errno = 0;
        delays_ms[k] = strtol(p, &end, 10);
        if (end == p || errno)
            return -1;
        p = end;
        if (*p == ',')
            p++;
        else if (*p == ']')
            return k + 1 == n ? 0 : -1;
        else
            return -1;
    }
    return n == 0 && *p == ']' ? 0 : -1;
}
