/* SPDX-License-Identifier: MIT */
/* fuzz_http_parse.c -- libFuzzer harness for the pure request parser:
 * any bytes give -2, -1, or a head inside the input whose pointers stay
 * inside it; the query and number helpers run on what it returns.
 * ASan+UBSan catch any read past the input or undefined arithmetic. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"

static int inside(const char *p, size_t len, const char *buf, size_t n)
{
    return p >= buf && p + len <= buf + n;
}

/* The helpers conn.c and routes.c call on a parsed request. */
static void use_request(const struct http_req *r)
{
    static const char *const names[] = {"delay_ms", "n", "reset", ""};
    const char *v;
    size_t vlen;
    long out;

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (http_query_param(r->query, r->query_len, names[i], &v, &vlen) == 1)
            (void)http_parse_uint(v, vlen, 60000, &out);
    (void)http_parse_uint(r->path, r->path_len, 2147483647, &out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly size bytes: no NUL after it to hide a overread. */
    char *buf = malloc(size ? size : 1);
    struct http_req r;
    int rc;

    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    rc = http_parse_request(buf, size, &r);
    if (rc != -1 && rc != -2 && (rc <= 0 || (size_t)rc > size))
        abort();
    (void)http_head_status(rc, size);
    if (rc > 0) {
        int own_slash = r.authority != NULL && r.path_len == 1 && r.path[0] == '/';

        if ((!own_slash && !inside(r.path, r.path_len, buf, (size_t)rc)) || r.path[0] != '/' ||
            !inside(r.method, r.method_len, buf, (size_t)rc) ||
            (r.query != NULL && !inside(r.query, r.query_len, buf, (size_t)rc)) ||
            r.num_headers > HTTP_MAX_HEADERS || r.minor_version < 0 || r.minor_version > 9)
            abort();
        for (size_t i = 0; i < r.num_headers; i++)
            if (!inside(r.headers[i].name, r.headers[i].name_len, buf, (size_t)rc) ||
                !inside(r.headers[i].value, r.headers[i].value_len, buf, (size_t)rc))
                abort();
        use_request(&r);
    }
    free(buf);
    return 0;
}
