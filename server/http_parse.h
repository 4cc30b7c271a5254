/* SPDX-License-Identifier: MIT */
/* http_parse.h -- a pure HTTP/1.x request-head parser: no allocation, no I/O.
 * Results point into the caller's buffer and live as long as it does.
 * Bodies are not parsed: the result only says whether one was announced
 * (delay-server answers such requests 400 and closes, so it never desyncs). */
#ifndef HTTP_PARSE_H
#define HTTP_PARSE_H

#include <stddef.h>

#define HTTP_MAX_HEADERS 32   /* more header lines than this is malformed */
#define HTTP_MAX_HEAD    8192 /* a head that does not fit gets 431 */

struct http_header {
    const char *name; /* not NUL-terminated: use the lengths */
    size_t name_len;
    const char *value; /* surrounding blanks trimmed */
    size_t value_len;
};

struct http_req {
    const char *method;
    size_t method_len;
    const char *authority; /* absolute-form "http://host:port/p": host:port */
    size_t authority_len;  /* (NULL and 0 for the usual "/p") */
    const char *path;      /* the target's path; always starts with '/' */
    size_t path_len;
    const char *query; /* after '?'; NULL when the target has no '?' */
    size_t query_len;
    int minor_version; /* the x of HTTP/1.x */
    struct http_header headers[HTTP_MAX_HEADERS];
    size_t num_headers;
    int want_close;  /* Connection: close, or HTTP/1.0 without keep-alive */
    int keep_alive;  /* Connection: keep-alive was sent */
    int has_body;    /* Content-Length > 0 or any Transfer-Encoding */
    const char *why; /* after -1, when known: what is wrong, for the 400 */
};

/* Parse the head at buf[0..len): the request line, header lines and the
 * blank line. Leading blank lines are skipped (RFC 9112 2.2). CRLF or a
 * bare LF ends a line; any other control byte is malformed. The target is
 * origin-form ("/p?q") or absolute-form ("http://host/p?q", RFC 9112 3.2.2).
 * An HTTP/1.1 request without a Host header, or any request with more
 * than one, is malformed (RFC 9112 3.2).
 * Returns >0: bytes consumed (the whole head); -2: incomplete, read more
 * and call again from the start of buf; -1: malformed. */
int http_parse_request(const char *buf, size_t len, struct http_req *req);

/* The error status for a parse result rc with `buffered` bytes held in a
 * buffer of HTTP_MAX_HEAD: 400 for malformed, 431 when still incomplete
 * though the buffer is full, 0 otherwise (parsed, or read more). */
int http_head_status(int rc, size_t buffered);

/* Find name in a query string "a=1&b&c=3" (no %-decoding). Returns 1 and
 * sets *value and *value_len (empty for a bare "b") if found, else 0. */
int http_query_param(const char *query, size_t query_len, const char *name, const char **value,
                     size_t *value_len);

/* Strict decimal: 1+ digits, no sign, blank or leading zero (but "0"),
 * value <= max. Returns 0 and sets *out, or -1. */
int http_parse_uint(const char *s, size_t len, long max, long *out);

#endif
