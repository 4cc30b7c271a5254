/* SPDX-License-Identifier: MIT */
/* cli.c -- the command line every model shares (getopt_long).
 * A bad value gets one line that names the flag and its valid range. */
#include "driver.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct option long_opts[] = {
    {"url", required_argument, NULL, 'u'},       {"count", required_argument, NULL, 'n'},
    {"workers", required_argument, NULL, 'w'},   {"timeout-ms", required_argument, NULL, 't'},
    {"format", required_argument, NULL, 'f'},    {"records", required_argument, NULL, 'r'},
    {"retries", required_argument, NULL, 'R'},   {"work-us", required_argument, NULL, 'W'},
    {"processes", required_argument, NULL, 'p'}, {"proxy", required_argument, NULL, 'P'},
    {"pages", required_argument, NULL, 'L'},     {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},         {NULL, 0, NULL, 0},
};

/* What the job is: ids 1..N, or (a frontier variant) what L list pages link. */
static void print_job_help(const struct model *m)
{
    if (m->frontier)
        printf("Fetch the list pages URL/list/1 .. URL/list/L with the %s model and\n"
               "every page they link (each once, as the links are read), and report\n"
               "the wall time, CPU time and peak memory it took.\n\n"
               "  -u, --url URL        server base URL (default http://127.0.0.1:8080)\n"
               "      --pages L        list pages to start from, 1..%d (default 10)\n",
               m->name, CRAWL_LISTS_MAX);
    else
        printf("Fetch URL/detail/1 .. URL/detail/N with the %s model and report\n"
               "the wall time, CPU time and peak memory it took.\n\n"
               "  -u, --url URL        server base URL (default http://127.0.0.1:8080)\n"
               "  -n, --count N        number of requests, 0..%d (default 100)\n",
               m->name, CRAWL_COUNT_MAX);
}

static void print_help(const struct model *m)
{
    printf("Usage: crawl-%s [OPTION]...\n", m->name);
    print_job_help(m);
    printf("  -w, --workers W      %d..%d (default %d)%s\n"
           "  -t, --timeout-ms MS  per-request timeout, 1..%ld (default 30000)\n"
           "  -f, --format FMT     text or csv (default text)\n"
           "  -r, --records FILE   write every request as CSV to FILE\n"
           "      --retries N      retry a 5xx, a reset or a timeout up to N times,\n"
           "                       0..%d (default 0), with exponential backoff\n"
           "      --work-us US     after each fetched page, US microseconds of CPU\n"
           "                       work on it, 0..%ld (default 0)\n"
           "%s"
           "      --proxy URL      send the requests through this HTTP proxy (default:\n"
           "                       none; http_proxy and the like are ignored)\n"
           "  -h, --help           show this help and exit\n"
           "  -V, --version        show the version and exit\n\n"
           "Exit status: 0 all requests succeeded, 1 some failed, 2 bad usage.\n",
           m->min_workers, m->max_workers, m->default_workers,
           m->min_workers == 0   ? "; most requests in flight, 0 = all at once"
           : m->max_workers == 1 ? "; accepted and ignored: one worker"
                                 : "",
           CRAWL_TIMEOUT_MAX, CRAWL_RETRIES_MAX, CRAWL_WORK_US_MAX,
           m->takes_processes
               ? "  -p, --processes P    worker processes, 1..1000 (default: the cores)\n"
               : "");
}

/* Strict: the whole string is a decimal integer within [lo, hi]. */
static int parse_long(const char *s, long lo, long hi, long *out)
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

static int is_http_url(const char *url)
{
    return (strncmp(url, "http://", 7) == 0 && url[7]) ||
           (strncmp(url, "https://", 8) == 0 && url[8]);
}

static int set_url(struct options *opt, const char *url, char *err, size_t errsize)
{
    size_t len = strlen(url);

    if (!is_http_url(url)) {
        snprintf(err, errsize, "--url must start with http:// or https:// (got \"%s\")", url);
        return -1;
    }
    while (len > 0 && url[len - 1] == '/')
        len--; /* the job appends "/detail/<id>" */
    if (len >= sizeof opt->url) {
        snprintf(err, errsize, "--url is too long: at most %zu characters", sizeof opt->url - 1);
        return -1;
    }
    memcpy(opt->url, url, len);
    opt->url[len] = '\0';
    return 0;
}

/* The hybrid model's default: one process per core. */
static int default_processes(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);

    return cores < 1 ? 1 : cores > 1000 ? 1000 : (int)cores;
}

static void set_defaults(const struct model *m, struct options *opt)
{
    memset(opt, 0, sizeof *opt);
    strcpy(opt->url, "http://127.0.0.1:8080");
    opt->job.base_url = opt->url;
    opt->job.n = 100;
    opt->job.nworkers = m->default_workers;
    opt->job.timeout_ms = 30000;
    opt->job.nprocs = m->takes_processes ? default_processes() : 0;
    opt->job.pages = m->frontier ? 10 : 0;
    opt->format = FORMAT_TEXT;
}

/* The options of the later lessons: retries, CPU work, processes, proxy. */
static int apply_lesson_option(const struct model *m, struct options *opt, int c, const char *arg,
                               char *err, size_t errsize)
{
    long v;

    switch (c) {
    case 'R':
        if (parse_long(arg, 0, CRAWL_RETRIES_MAX, &v) != 0) {
            snprintf(err, errsize, "--retries must be an integer 0..%d (got \"%s\")",
                     CRAWL_RETRIES_MAX, arg);
            return -1;
        }
        opt->job.retries = (int)v;
        return 0;
    case 'W':
        if (parse_long(arg, 0, CRAWL_WORK_US_MAX, &v) != 0) {
            snprintf(err, errsize, "--work-us must be an integer 0..%ld (got \"%s\")",
                     CRAWL_WORK_US_MAX, arg);
            return -1;
        }
        opt->job.work_us = v;
        return 0;
    case 'p':
        if (!m->takes_processes) {
            snprintf(err, errsize,
                     "--processes is the hybrid model's option; the %s model takes -w only",
                     m->name);
            return -1;
        }
        if (parse_long(arg, 1, 1000, &v) != 0) {
            snprintf(err, errsize, "--processes must be an integer 1..1000 (got \"%s\")", arg);
            return -1;
        }
        opt->job.nprocs = (int)v;
        return 0;
    case 'L':
        if (!m->frontier) {
            snprintf(err, errsize,
                     "--pages is the frontier variants' option (crawl-%s-frontier); the %s model "
                     "takes -n",
                     m->name, m->name);
            return -1;
        }
        if (parse_long(arg, 1, CRAWL_LISTS_MAX, &v) != 0) {
            snprintf(err, errsize, "--pages must be an integer 1..%d (got \"%s\")", CRAWL_LISTS_MAX,
                     arg);
            return -1;
        }
        opt->job.pages = (int)v;
        return 0;
    case 'P':
        if (!is_http_url(arg)) {
            snprintf(err, errsize, "--proxy must be an http:// URL (got \"%s\")", arg);
            return -1;
        }
        opt->job.proxy = arg;
        return 0;
    }
    return -1;
}

/* One option with its argument; 0, or -1 with err filled. */
static int apply(const struct model *m, struct options *opt, int c, const char *arg, char *err,
                 size_t errsize)
{
    long v;

    switch (c) {
    case 'u':
        return set_url(opt, arg, err, errsize);
    case 'n':
        if (m->frontier) {
            snprintf(err, errsize,
                     "a frontier crawl finds its pages as it goes: give --pages L, not --count");
            return -1;
        }
        if (parse_long(arg, 0, CRAWL_COUNT_MAX, &v) != 0) {
            snprintf(err, errsize, "--count must be an integer 0..%d (got \"%s\")", CRAWL_COUNT_MAX,
                     arg);
            return -1;
        }
        opt->job.n = (int)v;
        return 0;
    case 'w':
        if (m->max_workers == 1) { /* serial takes -w like the others: a pool of one */
            if (parse_long(arg, 1, INT_MAX, &v) == 0) {
                opt->job.nworkers = 1;
                return 0;
            }
            snprintf(err, errsize,
                     "--workers must be a positive integer (the %s model ignores it; got \"%s\")",
                     m->name, arg);
            return -1;
        }
        if (parse_long(arg, m->min_workers, m->max_workers, &v) != 0) {
            snprintf(err, errsize,
                     "--workers must be an integer %d..%d for the %s model (got \"%s\")",
                     m->min_workers, m->max_workers, m->name, arg);
            return -1;
        }
        opt->job.nworkers = (int)v;
        return 0;
    case 't':
        if (parse_long(arg, 1, CRAWL_TIMEOUT_MAX, &v) != 0) {
            snprintf(err, errsize, "--timeout-ms must be an integer 1..%ld (got \"%s\")",
                     CRAWL_TIMEOUT_MAX, arg);
            return -1;
        }
        opt->job.timeout_ms = v;
        return 0;
    case 'f':
        if (strcmp(arg, "text") != 0 && strcmp(arg, "csv") != 0) {
            snprintf(err, errsize, "--format must be text or csv (got \"%s\")", arg);
            return -1;
        }
        opt->format = arg[0] == 'c' ? FORMAT_CSV : FORMAT_TEXT;
        return 0;
    case 'r':
        opt->records = arg;
        return 0;
    }
    return apply_lesson_option(m, opt, c, arg, err, errsize);
}

/* getopt_long's own messages are off (opterr = 0): ours name the fix. */
static void explain_bad_option(int c, int argc, char **argv, char *err, size_t errsize)
{
    const char *word = optind - 1 < argc ? argv[optind - 1] : "?";

    if (c == ':')
        snprintf(err, errsize, "option %s needs a value; see --help", word);
    else if (optopt && strncmp(word, "--", 2) == 0) /* --help=x */
        snprintf(err, errsize, "option %.*s takes no value; see --help", (int)strcspn(word, "="),
                 word);
    else if (optopt)
        snprintf(err, errsize, "unknown option -%c; see --help", optopt);
    else
        snprintf(err, errsize, "unknown option %s; see --help", word);
}

enum cli_action cli_parse(int argc, char **argv, const struct model *m, struct options *opt,
                          char *err, size_t errsize)
{
    int c;

    set_defaults(m, opt);
    opterr = 0;
    optind = 1; /* callable more than once (the tests do) */
    while ((c = getopt_long(argc, argv, ":u:n:w:t:f:r:p:hV", long_opts, NULL)) != -1) {
        if (c == 'h') {
            print_help(m);
            return CLI_EXIT_OK;
        }
        if (c == 'V') {
            printf("crawl-%s %s\n", m->name, SUITE_VERSION);
            return CLI_EXIT_OK;
        }
        if (c == '?' || c == ':') {
            explain_bad_option(c, argc, argv, err, errsize);
            return CLI_USAGE;
        }
        if (apply(m, opt, c, optarg, err, errsize) != 0)
            return CLI_USAGE;
    }
    if (optind < argc) {
        snprintf(err, errsize, "unexpected argument \"%s\"; see --help", argv[optind]);
        return CLI_USAGE;
    }
    if (m->frontier) /* res[] has room for every page the server can list */
        opt->job.n = CRAWL_LISTS_MAX + CRAWL_COUNT_MAX;
    return CLI_RUN;
}
