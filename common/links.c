/* SPDX-License-Identifier: MIT */
/* links.c -- the frontier's reading: the links out of a list page, and the
 * set of pages already queued. No concurrency here: the frontier variants
 * call these under their own lock. */
#include "crawl.h"

#include <stdlib.h>
#include <string.h>

/* One href's value, "/detail/N" or "/list/N", into *p; 0, or -1 for any
 * other link (or a number out of range), which a crawler of this site skips. */
static int parse_href(const char *v, size_t len, struct page_ref *p)
{
    static const struct {
        const char *prefix;
        int kind, max;
    } routes[] = {{"/detail/", PAGE_DETAIL, CRAWL_COUNT_MAX},
                  {"/list/", PAGE_LIST, CRAWL_LISTS_MAX}};

    for (size_t r = 0; r < sizeof routes / sizeof routes[0]; r++) {
        size_t plen = strlen(routes[r].prefix);
        long id = 0;
        size_t k;

        if (len <= plen || memcmp(v, routes[r].prefix, plen) != 0)
            continue;
        for (k = plen; k < len && v[k] >= '0' && v[k] <= '9' && id <= routes[r].max; k++)
            id = id * 10 + (v[k] - '0');
        if (k != len || id < 1 || id > routes[r].max)
            return -1;
        p->kind = routes[r].kind;
        p->id = (int)id;
        return 0;
    }
    return -1;
}

int page_links(const char *body, size_t len, struct page_ref *out, int max)
{
    static const char attr[] = "href=\"";
    const char *end = body + len, *at = body;
    int found = 0;

    while (found < max && at < end) {
        const char *v = memmem(at, (size_t)(end - at), attr, sizeof attr - 1), *close;

        if (!v)
            break;
        v += sizeof attr - 1;
        close = memchr(v, '"', (size_t)(end - v));
        if (!close)
            break; /* an unfinished attribute at the end: not a link */
        if (parse_href(v, (size_t)(close - v), &out[found]) == 0)
            found++;
        at = close + 1;
    }
    return found;
}

int fetch_links(const struct fetch *f, struct page_ref *out, int max)
{
    return f->page_len > 0 ? page_links(f->page, f->page_len, out, max) : 0;
}

int page_set_add(struct page_set *set, const struct page_ref *p)
{
    int bit = p->kind == PAGE_LIST ? p->id - 1 : CRAWL_LISTS_MAX + p->id - 1;
    unsigned char mask;

    if (p->id < 1 || p->id > (p->kind == PAGE_LIST ? CRAWL_LISTS_MAX : CRAWL_COUNT_MAX))
        return 0;
    mask = (unsigned char)(1u << (bit % 8));
    if (set->bit[bit / 8] & mask)
        return 0;
    set->bit[bit / 8] |= mask;
    return 1;
}
