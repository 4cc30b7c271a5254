/* SPDX-License-Identifier: MIT */
/* test_http_parse.c -- unit tests of server/http_parse.c, the pure request
 * parser: valid heads, every split point, pipelining, malformed input,
 * the 431 rule, query helpers, and a seeded mutation loop for ASan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four above, which it needs */

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"

#define GET7 "GET /detail/7?delay_ms=5&x HTTP/1.1\r\nHost: a\r\n\r\n"

/* Parse a copy in a buffer of exactly len bytes: ASan flags any read past
 * the end, which a string literal's NUL would hide. */
static int parse(const char *s, size_t len, struct http_req *req)
{
    char *buf = malloc(len ? len : 1);
    int rc;

    assert_non_null(buf);
    memcpy(buf, s, len);
    rc = http_parse_request(buf, len, req);
    free(buf); /* req's pointers now dangle: callers use only numbers */
    return rc;
}

static int str_is(const char *p, size_t len, const char *want)
{
    return len == strlen(want) && memcmp(p, want, len) == 0;
}

static void test_http_parse_valid_get(void **state)
{
    const char s[] = "GET /index HTTP/1.1\r\nHost: 127.0.0.1:80\r\n"
                     "Accept: */*\r\n\r\n";
    struct http_req r;

    (void)state;
    assert_int_equal(http_parse_request(s, strlen(s), &r), strlen(s));
    assert_true(str_is(r.method, r.method_len, "GET"));
    assert_true(str_is(r.path, r.path_len, "/index"));
    assert_null(r.query);
    assert_int_equal(r.minor_version, 1);
    assert_int_equal(r.num_headers, 2);
    assert_true(str_is(r.headers[0].name, r.headers[0].name_len, "Host"));
    assert_true(str_is(r.headers[0].value, r.headers[0].value_len, "127.0.0.1:80"));
    assert_false(r.want_close);
    assert_false(r.has_body);
}

static void test_http_parse_query_split(void **state)
{
    const char empty[] = "GET /a? HTTP/1.1\r\nHost: h\r\n\r\n";
    struct http_req r;

    (void)state;
    assert_int_equal(http_parse_request(GET7, strlen(GET7), &r), strlen(GET7));
    assert_true(str_is(r.path, r.path_len, "/detail/7"));
    assert_true(str_is(r.query, r.query_len, "delay_ms=5&x"));
    assert_int_equal(http_parse_request(empty, strlen(empty), &r), strlen(empty));
    assert_true(str_is(r.path, r.path_len, "/a"));
    assert_non_null(r.query);
    assert_int_equal(r.query_len, 0);
}

static void test_http_parse_headers(void **state)
{
    const char s[] = "GET / HTTP/1.1\n"
                     "X-A:   spaced  value \t\n"
                     "Host: h\n"
                     "X-Empty:\r\n"
                     "x-8bit: caf\xc3\xa9\r\n\n";
    struct http_req r;

    (void)state;
    assert_int_equal(http_parse_request(s, strlen(s), &r), strlen(s));
    assert_int_equal(r.num_headers, 4);
    assert_true(str_is(r.headers[0].value, r.headers[0].value_len, "spaced  value"));
    assert_int_equal(r.headers[2].value_len, 0);
    assert_true(str_is(r.headers[3].name, r.headers[3].name_len, "x-8bit"));
}

static void test_http_parse_connection_close(void **state)
{
    static const struct {
        const char *s;
        int close;
    } cases[] = {
        {"GET / HTTP/1.1\r\nHost: h\r\n\r\n", 0},
        {"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", 1},
        {"GET / HTTP/1.1\r\nHost: h\r\nconnection: Keep-Alive, CLOSE\r\n\r\n", 1},
        {"GET / HTTP/1.1\r\nHost: h\r\nConnection: closed\r\n\r\n", 0},
        {"GET / HTTP/1.0\r\n\r\n", 1},
        {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 0},
    };
    struct http_req r;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = strlen(cases[i].s);

        assert_int_equal(parse(cases[i].s, len, &r), len);
        assert_int_equal(r.want_close, cases[i].close);
    }
}

static void test_http_parse_body_announced(void **state)
{
    struct http_req r;
    const char cl0[] = "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 00\r\n\r\n";
    const char cl5[] = "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n";
    const char te[] = "GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";

    (void)state;
    assert_int_equal(parse(cl0, strlen(cl0), &r), strlen(cl0));
    assert_false(r.has_body);
    assert_int_equal(parse(cl5, strlen(cl5), &r), strlen(cl5));
    assert_true(r.has_body);
    assert_int_equal(parse(te, strlen(te), &r), strlen(te));
    assert_true(r.has_body);
}

/* Whatever the split, every prefix is "incomplete" and the whole parses. */
static void test_http_parse_byte_by_byte(void **state)
{
    const char *s = "\r\nGET /detail/7?delay_ms=5 HTTP/1.0\r\n"
                    "Connection: keep-alive\r\nHost: x\r\n\r\n";
    size_t len = strlen(s);
    struct http_req r;

    (void)state;
    for (size_t i = 0; i < len; i++)
        assert_int_equal(parse(s, i, &r), -2);
    assert_int_equal(parse(s, len, &r), len);
    assert_int_equal(r.num_headers, 2);
    assert_false(r.want_close);
}

static void test_http_parse_pipelined(void **state)
{
    const char s[] = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n";
    size_t first = strlen("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
    struct http_req r;
    int rc;

    (void)state;
    assert_int_equal(http_parse_request(s, strlen(s), &r), first);
    assert_true(str_is(r.path, r.path_len, "/a"));
    rc = http_parse_request(s + first, strlen(s) - first, &r);
    assert_int_equal(rc, strlen(s) - first);
    assert_true(str_is(r.path, r.path_len, "/b"));
}

static void test_http_parse_malformed(void **state)
{
    static const char *bad[] = {
        "GET\r\n\r\n",
        "GET  / HTTP/1.1\r\n\r\n",
        "GET / HTTP/2.0\r\n\r\n",
        "GET / HTTP/1.1x\r\n\r\n",
        "GET / FTP/1.1\r\n\r\n",
        "GET x HTTP/1.1\r\n\r\n",
        " GET / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nA: b\r\n folded\r\n\r\n",
        "\x01GET / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\rX\n\r\n",
        "GET /\x7f HTTP/1.1\r\n\r\n",
        "GET /\xc3\xa9 HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nA: b\x01\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n",
        "G(T / HTTP/1.1\r\n\r\n",
        "\r\r",
    };
    const char nul[] = "GET / HTTP/1.1\r\nHost: h\r\nA: \0\r\n\r\n";
    struct http_req r;

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (parse(bad[i], strlen(bad[i]), &r) != -1)
            fail_msg("accepted bad request %zu: %s", i, bad[i]);
    }
    assert_int_equal(parse(nul, sizeof nul - 1, &r), -1);
}

/* RFC 9112 3.2: HTTP/1.1 needs exactly one Host; HTTP/1.0 at most one. */
static void test_http_parse_host_rule(void **state)
{
    static const struct {
        const char *s;
        int ok;
        const char *why;
    } cases[] = {
        {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 1, NULL},
        {"GET / HTTP/1.1\r\nhOST: a\r\n\r\n", 1, NULL},
        {"GET / HTTP/1.1\r\n\r\n", 0, "HTTP/1.1 needs a Host header"},
        {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 0, "more than one Host header"},
        {"GET / HTTP/1.0\r\n\r\n", 1, NULL},
        {"GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", 0, "more than one Host header"},
    };
    struct http_req r;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = strlen(cases[i].s);
        int rc = http_parse_request(cases[i].s, len, &r);

        if (cases[i].ok) {
            assert_int_equal(rc, len);
        } else {
            assert_int_equal(rc, -1);
            assert_string_equal(r.why, cases[i].why);
        }
    }
}

/* RFC 9112 3.2.2: "GET http://host/p?q" names the same page as "/p?q". */
static void test_http_parse_absolute_form(void **state)
{
    static const char *bad[] = {
        "GET ftp://h/ HTTP/1.1\r\nHost: h\r\n\r\n", "GET http:/h/ HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET http:// HTTP/1.1\r\nHost: h\r\n\r\n",  "GET http:///x HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET https:/ HTTP/1.1\r\nHost: h\r\n\r\n",  "GET * HTTP/1.1\r\nHost: h\r\n\r\n",
    };
    const char abs[] = "GET http://127.0.0.1:8080/detail/3?delay_ms=0 HTTP/1.1\r\nHost: x\r\n\r\n";
    const char bare[] = "GET HTTPS://h.example HTTP/1.1\r\nHost: x\r\n\r\n";
    const char query[] = "GET http://h?a=1 HTTP/1.1\r\nHost: x\r\n\r\n";
    struct http_req r;

    (void)state;
    assert_int_equal(http_parse_request(abs, strlen(abs), &r), strlen(abs));
    assert_true(str_is(r.authority, r.authority_len, "127.0.0.1:8080"));
    assert_true(str_is(r.path, r.path_len, "/detail/3"));
    assert_true(str_is(r.query, r.query_len, "delay_ms=0"));
    assert_int_equal(http_parse_request(bare, strlen(bare), &r), strlen(bare));
    assert_true(str_is(r.authority, r.authority_len, "h.example"));
    assert_true(str_is(r.path, r.path_len, "/"));
    assert_null(r.query);
    assert_int_equal(http_parse_request(query, strlen(query), &r), strlen(query));
    assert_true(str_is(r.path, r.path_len, "/"));
    assert_true(str_is(r.query, r.query_len, "a=1"));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (parse(bad[i], strlen(bad[i]), &r) != -1)
            fail_msg("accepted bad target %zu: %s", i, bad[i]);
    }
    /* Garbage is refused early, not after filling the buffer. */
    assert_int_equal(parse("GET hxxp", 8, &r), -1);
    assert_int_equal(parse("GET http:", 9, &r), -2);
}

static void test_http_parse_too_many_headers(void **state)
{
    char s[2048] = "GET / HTTP/1.1\r\nHost: h\r\n";
    struct http_req r;

    (void)state;
    for (int i = 1; i < HTTP_MAX_HEADERS; i++)
        strcat(s, "A: b\r\n");
    assert_int_equal(parse(s, strlen(s), &r), -2);
    strcat(s, "\r\n");
    assert_int_equal(parse(s, strlen(s), &r), strlen(s));
    s[strlen(s) - 2] = '\0';
    strcat(s, "A: b\r\n\r\n");
    assert_int_equal(parse(s, strlen(s), &r), -1);
}

/* The caller holds at most HTTP_MAX_HEAD bytes: a head that fits parses,
 * one that does not is "incomplete with a full buffer", which is 431. */
static void test_http_parse_head_limit(void **state)
{
    char *s = malloc(HTTP_MAX_HEAD + 1);
    const char *start = "GET / HTTP/1.1\r\nHost: h\r\nX: ";
    size_t pad = HTTP_MAX_HEAD - strlen(start) - 4;
    struct http_req r;

    (void)state;
    assert_non_null(s);
    strcpy(s, start);
    memset(s + strlen(start), 'a', pad);
    strcpy(s + strlen(start) + pad, "\r\n\r\n"); /* exactly 8192 bytes */
    assert_int_equal(parse(s, HTTP_MAX_HEAD, &r), HTTP_MAX_HEAD);
    /* Longer: the buffer is full and holds no end of the head. */
    memset(s + HTTP_MAX_HEAD - 4, 'a', 4);
    assert_int_equal(parse(s, HTTP_MAX_HEAD, &r), -2);
    assert_int_equal(http_head_status(-2, HTTP_MAX_HEAD), 431);
    assert_int_equal(http_head_status(-2, HTTP_MAX_HEAD - 1), 0);
    assert_int_equal(http_head_status(-1, 3), 400);
    assert_int_equal(http_head_status(100, HTTP_MAX_HEAD), 0);
    free(s);
}

static void test_http_parse_query_param(void **state)
{
    const char *q = "delay_msx=1&delay_ms=250&reset&e=";
    const char *v;
    size_t n;

    (void)state;
    assert_int_equal(http_query_param(q, strlen(q), "delay_ms", &v, &n), 1);
    assert_true(str_is(v, n, "250"));
    assert_int_equal(http_query_param(q, strlen(q), "reset", &v, &n), 1);
    assert_int_equal(n, 0);
    assert_int_equal(http_query_param(q, strlen(q), "e", &v, &n), 1);
    assert_int_equal(n, 0);
    assert_int_equal(http_query_param(q, strlen(q), "delay", &v, &n), 0);
    assert_int_equal(http_query_param(q, 9, "delay_msx", &v, &n), 1);
    assert_int_equal(n, 0); /* cut at 9: "delay_msx" has no value */
    assert_int_equal(http_query_param(NULL, 0, "a", &v, &n), 0);
    assert_int_equal(http_query_param("", 0, "a", &v, &n), 0);
}

static void test_http_parse_uint_bounds(void **state)
{
    static const char *bad[] = {
        "", "-1", "+1", "01", "1a", " 1", "1 ", "60001", "99999999999999999999999"};
    long v = -1;

    (void)state;
    assert_int_equal(http_parse_uint("0", 1, 60000, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(http_parse_uint("60000", 5, 60000, &v), 0);
    assert_int_equal(v, 60000);
    assert_int_equal(http_parse_uint("9223372036854775807", 19, LONG_MAX, &v), 0);
    assert_int_equal(http_parse_uint("9223372036854775808", 19, LONG_MAX, &v), -1);
    assert_int_equal(http_parse_uint("5", 1, 1, &v), -1);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(http_parse_uint(bad[i], strlen(bad[i]), 60000, &v), -1);
}

/* Every result is -2, -1, or a length within the input, with pointers
 * inside it; ASan checks that no byte past len is read. */
static void check_any(const char *s, size_t len)
{
    char *buf = malloc(len ? len : 1);
    struct http_req r;
    int rc;

    assert_non_null(buf);
    memcpy(buf, s, len);
    rc = http_parse_request(buf, len, &r);
    assert_true(rc == -2 || rc == -1 || (rc > 0 && (size_t)rc <= len));
    if (rc > 0 && r.authority != NULL && r.path_len == 1 && r.path[0] == '/')
        ; /* "http://host" without a path: the parser's own "/" */
    else if (rc > 0)
        assert_true(r.path >= buf && r.path + r.path_len <= buf + rc);
    if (rc > 0) {
        assert_true(r.num_headers <= HTTP_MAX_HEADERS);
    }
    free(buf);
}

static void test_http_parse_fuzz(void **state)
{
    static const char *seeds[] = {
        GET7,
        "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET http://h:1/detail/3?x HTTP/1.1\r\nHost: h\r\n\r\n",
    };
    unsigned int rnd = 12345;
    char m[256];

    (void)state;
    for (int iter = 0; iter < 20000; iter++) {
        const char *s = seeds[iter % 4];
        size_t len = strlen(s);

        memcpy(m, s, len);
        for (int k = 0; k < 1 + iter % 4; k++) {
            rnd = rnd * 1103515245 + 12345; /* fixed seed LCG */
            m[(rnd >> 8) % len] = (char)(rnd >> 20);
        }
        if (iter < 200)
            check_any(s, (size_t)iter % (len + 1));
        check_any(m, len);
        check_any(m, (rnd >> 4) % (len + 1));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_parse_valid_get),
        cmocka_unit_test(test_http_parse_query_split),
        cmocka_unit_test(test_http_parse_headers),
        cmocka_unit_test(test_http_parse_connection_close),
        cmocka_unit_test(test_http_parse_body_announced),
        cmocka_unit_test(test_http_parse_byte_by_byte),
        cmocka_unit_test(test_http_parse_pipelined),
        cmocka_unit_test(test_http_parse_malformed),
        cmocka_unit_test(test_http_parse_host_rule),
        cmocka_unit_test(test_http_parse_absolute_form),
        cmocka_unit_test(test_http_parse_too_many_headers),
        cmocka_unit_test(test_http_parse_head_limit),
        cmocka_unit_test(test_http_parse_query_param),
        cmocka_unit_test(test_http_parse_uint_bounds),
        cmocka_unit_test(test_http_parse_fuzz),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
