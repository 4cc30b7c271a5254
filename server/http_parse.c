/* SPDX-License-Identifier: MIT */
/* http_parse.c -- the request-head parser declared in http_parse.h.
 * Every step works on a cursor and returns -2 as soon as it runs out of
 * bytes, -1 as soon as it sees a byte that cannot belong there: garbage is
 * rejected after a few bytes instead of filling the buffer first. */
#include "http_parse.h"

#include <string.h>

struct cur {
    const char *p;
    const char *end;
};

/* RFC 9110 token characters: method and header names. */
static int is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return 1;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Visible ASCII: what a request target may hold. */
static int is_vchar(unsigned char c)
{
    return c > 0x20 && c < 0x7f;
}

/* Header values also allow blanks and (obsolete) 8-bit text. */
static int is_value_char(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int eat_eol(struct cur *c)
{
    if (c->p == c->end)
        return -2;
    if (*c->p == '\n') {
        c->p++;
        return 0;
    }
    if (*c->p != '\r')
        return -1;
    if (c->p + 1 == c->end)
        return -2;
    if (c->p[1] != '\n')
        return -1; /* a bare CR */
    c->p += 2;
    return 0;
}

static int eat_char(struct cur *c, char want)
{
    if (c->p == c->end)
        return -2;
    if (*c->p != want)
        return -1;
    c->p++;
    return 0;
}

static int parse_token(struct cur *c, const char **tok, size_t *len)
{
    const char *start = c->p;

    while (c->p < c->end && is_tchar((unsigned char)*c->p))
        c->p++;
    if (c->p == c->end)
        return -2;
    if (c->p == start)
        return -1;
    *tok = start;
    *len = (size_t)(c->p - start);
    return 0;
}

/* Could buf[0..n) still begin "http://" or "https://" (any case)? */
static int scheme_prefix_ok(const char *buf, size_t n)
{
    static const char *const schemes[] = {"http://", "https://"};

    for (size_t i = 0; i < 2; i++) {
        size_t m = strlen(schemes[i]);

        if (strncasecmp(buf, schemes[i], n < m ? n : m) == 0)
            return 1;
    }
    return 0;
}

/* Split a whole target into authority (absolute-form only), path and
 * query. An absolute-form target without a path means "/". */
static int split_target(const char *t, size_t len, struct http_req *req)
{
    const char *end = t + len, *p = t, *q;

    if (*t != '/') {
        if (len >= 7 && strncasecmp(t, "http://", 7) == 0)
            p = t + 7;
        else if (len >= 8 && strncasecmp(t, "https://", 8) == 0)
            p = t + 8;
        else
            return -1;
        req->authority = p;
        while (p < end && *p != '/' && *p != '?')
            p++;
        req->authority_len = (size_t)(p - req->authority);
        if (req->authority_len == 0) {
            req->why = "absolute-form target without a host";
            return -1;
        }
    }
    q = memchr(p, '?', (size_t)(end - p));
    req->path = p < end && *p == '/' ? p : "/";
    req->path_len = p < end && *p == '/' ? (size_t)((q ? q : end) - p) : 1;
    req->query = q ? q + 1 : NULL;
    req->query_len = q ? (size_t)(end - q - 1) : 0;
    return 0;
}

/* Origin-form ("/path?query") or absolute-form ("http://host/path"). A
 * target that can be neither is refused as soon as a byte says so. */
static int parse_target(struct cur *c, struct http_req *req)
{
    const char *start = c->p;

    for (; c->p < c->end && is_vchar((unsigned char)*c->p); c->p++)
        if (*start != '/' && !scheme_prefix_ok(start, (size_t)(c->p - start + 1)))
            return -1;
    if (c->p == c->end)
        return -2;
    if (c->p == start)
        return -1;
    return split_target(start, (size_t)(c->p - start), req);
}

/* "HTTP/1." and one digit: other major versions are malformed here. */
static int parse_version(struct cur *c, int *minor)
{
    static const char prefix[] = "HTTP/1.";

    for (size_t i = 0; i < sizeof prefix - 1; i++) {
        int rc = eat_char(c, prefix[i]);

        if (rc != 0)
            return rc;
    }
    if (c->p == c->end)
        return -2;
    if (*c->p < '0' || *c->p > '9')
        return -1;
    *minor = *c->p++ - '0';
    return 0;
}

static int parse_request_line(struct cur *c, struct http_req *req)
{
    int rc;

    if ((rc = parse_token(c, &req->method, &req->method_len)) != 0 ||
        (rc = eat_char(c, ' ')) != 0 || (rc = parse_target(c, req)) != 0 ||
        (rc = eat_char(c, ' ')) != 0 || (rc = parse_version(c, &req->minor_version)) != 0)
        return rc;
    return eat_eol(c);
}

/* "Name: value" up to its line end. A leading blank (obsolete line
 * folding) or a blank before the colon is malformed (RFC 9112 5.1, 5.2). */
static int parse_header(struct cur *c, struct http_header *h)
{
    const char *v, *vend;
    int rc;

    if ((rc = parse_token(c, &h->name, &h->name_len)) != 0 || (rc = eat_char(c, ':')) != 0)
        return rc;
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
        c->p++;
    v = c->p;
    while (c->p < c->end && is_value_char((unsigned char)*c->p))
        c->p++;
    vend = c->p;
    while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
        vend--;
    h->value = v;
    h->value_len = (size_t)(vend - v);
    return eat_eol(c);
}

/* Header lines until the blank line. */
static int parse_headers(struct cur *c, struct http_req *req)
{
    for (;;) {
        int rc;

        if (c->p == c->end)
            return -2;
        if (*c->p == '\r' || *c->p == '\n')
            return eat_eol(c);
        if (req->num_headers == HTTP_MAX_HEADERS)
            return -1;
        rc = parse_header(c, &req->headers[req->num_headers]);
        if (rc != 0)
            return rc;
        req->num_headers++;
    }
}

static int name_is(const struct http_header *h, const char *name)
{
    return h->name_len == strlen(name) && strncasecmp(h->name, name, h->name_len) == 0;
}

/* Does the comma-separated list hold token (any case)? */
static int list_has(const char *s, size_t len, const char *token)
{
    size_t tlen = strlen(token), i = 0;

    while (i < len) {
        size_t start, end;

        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
            i++;
        start = i;
        while (i < len && s[i] != ',')
            i++;
        end = i;
        while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t'))
            end--;
        if (end - start == tlen && strncasecmp(s + start, token, tlen) == 0)
            return 1;
    }
    return 0;
}

/* A Content-Length value: 1 if positive, 0 if zero, -1 if not a number. */
static int body_length_positive(const char *s, size_t len)
{
    int positive = 0;

    if (len == 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        positive |= s[i] != '0';
    }
    return positive;
}

/* Connection, Host and body semantics, from the parsed headers. */
static int apply_headers(struct http_req *req)
{
    size_t hosts = 0;

    for (size_t i = 0; i < req->num_headers; i++) {
        const struct http_header *h = &req->headers[i];

        if (name_is(h, "Host")) {
            hosts++;
        } else if (name_is(h, "Connection")) {
            req->want_close |= list_has(h->value, h->value_len, "close");
            req->keep_alive |= list_has(h->value, h->value_len, "keep-alive");
        } else if (name_is(h, "Transfer-Encoding")) {
            req->has_body = 1;
        } else if (name_is(h, "Content-Length")) {
            int rc = body_length_positive(h->value, h->value_len);

            if (rc == -1) {
                req->why = "Content-Length is not a number";
                return -1; /* framing unknown */
            }
            req->has_body |= rc;
        }
    }
    if (hosts > 1 || (hosts == 0 && req->minor_version >= 1)) {
        req->why = hosts > 1 ? "more than one Host header" : "HTTP/1.1 needs a Host header";
        return -1;
    }
    if (req->minor_version == 0 && !req->keep_alive)
        req->want_close = 1;
    return 0;
}

int http_parse_request(const char *buf, size_t len, struct http_req *req)
{
    struct cur c = {buf, buf + len};
    int rc;

    memset(req, 0, sizeof *req);
    while (c.p < c.end && (*c.p == '\r' || *c.p == '\n')) {
        if ((rc = eat_eol(&c)) != 0)
            return rc;
    }
    if ((rc = parse_request_line(&c, req)) != 0 || (rc = parse_headers(&c, req)) != 0)
        return rc;
    if (apply_headers(req) != 0)
        return -1;
    return (int)(c.p - buf);
}

int http_head_status(int rc, size_t buffered)
{
    if (rc == -1)
        return 400;
    if (rc == -2 && buffered >= HTTP_MAX_HEAD)
        return 431;
    return 0;
}

int http_query_param(const char *query, size_t query_len, const char *name, const char **value,
                     size_t *value_len)
{
    size_t nlen = strlen(name), i = 0;

    while (query != NULL && i < query_len) {
        const char *k = query + i, *amp, *eq;
        size_t plen;

        amp = memchr(k, '&', query_len - i);
        plen = amp ? (size_t)(amp - k) : query_len - i;
        eq = memchr(k, '=', plen);
        if ((size_t)((eq ? eq : k + plen) - k) == nlen && memcmp(k, name, nlen) == 0) {
            *value = eq ? eq + 1 : k + plen;
            *value_len = eq ? plen - nlen - 1 : 0;
            return 1;
        }
        i += plen + 1;
    }
    return 0;
}

int http_parse_uint(const char *s, size_t len, long max, long *out)
{
    long v = 0;

    if (len == 0 || (len > 1 && s[0] == '0'))
        return -1;
    for (size_t i = 0; i < len; i++) {
        int d = s[i] - '0';

        if (d < 0 || d > 9)
            return -1;
        if (d > max || v > (max - d) / 10)
            return -1; /* v * 10 + d would pass max */
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}
