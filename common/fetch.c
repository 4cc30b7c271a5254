/* SPDX-License-Identifier: MIT */
/* fetch.c -- one HTTP request with a libcurl easy handle, judged strictly:
 * a success is a 200 whose body names the id that was asked for. */
#include "crawl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double clock_now(void)
{
    struct timespec ts;

    /* CLOCK_MONOTONIC cannot fail with a valid pointer; it never jumps. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int job_url(const char *base, int id, char *out, size_t size)
{
    int len = snprintf(out, size, "%s/detail/%d", base, id);

    return len < 0 || (size_t)len >= size ? -1 : 0;
}

/* The server's page for id 7 starts {"id":7, -- anything else is a wrong page. */
int body_names_id(const char *body, size_t len, int id)
{
    char want[32];
    int wlen = snprintf(want, sizeof want, "{\"id\":%d,", id);

    return wlen > 0 && len >= (size_t)wlen && memcmp(body, want, (size_t)wlen) == 0;
}

void result_fail(struct result *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(r->error, sizeof r->error, fmt, ap);
    va_end(ap);
}

int result_ok(const struct result *r)
{
    return r->status == 200 && r->error[0] == '\0';
}

struct result *results_new(int n)
{
    struct result *res = calloc((size_t)n + 1, sizeof *res);

    for (int i = 0; res && i < n; i++) {
        res[i].id = i + 1;
        res[i].worker = -1;
        result_fail(&res[i], "not run");
    }
    return res;
}

/* libcurl hands the body over in pieces: keep the start, count it all. */
static size_t write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
    struct fetch *f = userp;
    size_t n = size * nmemb;
    size_t room = sizeof f->body - f->body_len;
    size_t keep = n < room ? n : room;

    memcpy(f->body + f->body_len, data, keep);
    f->body_len += keep;
    f->res->bytes += (long)n;
    return n;
}

int fetch_init(struct fetch *f, int worker)
{
    CURLcode rc;

    memset(f, 0, sizeof *f);
    f->worker = worker;
    f->easy = curl_easy_init();
    if (!f->easy)
        return -1;
    /* NOSIGNAL: no SIGALRM for timeouts, which threads could not share. */
    rc = curl_easy_setopt(f->easy, CURLOPT_NOSIGNAL, 1L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(f->easy, CURLOPT_WRITEFUNCTION, write_cb);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(f->easy, CURLOPT_WRITEDATA, f);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(f->easy, CURLOPT_ERRORBUFFER, f->curl_err);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(f->easy, CURLOPT_PRIVATE, f);
    if (rc != CURLE_OK) {
        fetch_cleanup(f);
        return -1;
    }
    return 0;
}

void fetch_cleanup(struct fetch *f)
{
    curl_easy_cleanup(f->easy); /* NULL is fine */
    f->easy = NULL;
}

int fetch_start(struct fetch *f, const struct job *job, int i, struct result *r)
{
    char url[CRAWL_URL_MAX];
    CURLcode rc = CURLE_URL_MALFORMAT;

    memset(r, 0, sizeof *r);
    r->id = i + 1;
    r->worker = f->worker;
    r->start_s = clock_now();
    f->res = r;
    f->body_len = 0;
    f->curl_err[0] = '\0';
    if (job_url(job->base_url, r->id, url, sizeof url) == 0)
        rc = curl_easy_setopt(f->easy, CURLOPT_URL, url); /* curl copies it */
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(f->easy, CURLOPT_TIMEOUT_MS, job->timeout_ms);
    if (rc != CURLE_OK) {
        fetch_finish(f, rc);
        return -1;
    }
    return 0;
}

void fetch_finish(struct fetch *f, CURLcode rc)
{
    struct result *r = f->res;
    long status = 0;

    r->end_s = clock_now();
    f->res = NULL;
    if (rc != CURLE_OK) {
        result_fail(r, "%s", f->curl_err[0] ? f->curl_err : curl_easy_strerror(rc));
        return;
    }
    if (curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK) {
        result_fail(r, "no HTTP status");
        return;
    }
    r->status = (int)status;
    if (status != 200)
        result_fail(r, "HTTP %ld", status);
    else if (!body_names_id(f->body, f->body_len, r->id))
        result_fail(r, "wrong page: the body does not name id %d", r->id);
}

void fetch_one(struct fetch *f, const struct job *job, int i, struct result *r)
{
    if (fetch_start(f, job, i, r) == 0)
        fetch_finish(f, curl_easy_perform(f->easy));
}
