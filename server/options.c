/* SPDX-License-Identifier: MIT */
/* options.c -- delay-server's command line: getopt_long into srv_config,
 * every value checked with its range named in the one error line. */
#include "options.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"

#define MAX_DELAY_MS   600000
#define MAX_TIMEOUT_MS 86400000

static const char usage_text[] =
    "usage: delay-server [options]\n"
    "Answers GET /, /index, /detail/<id> and /list/<P> after a delay; /plan,\n"
    "/ideal, /stats, /log and /healthz at once. Prints the URL it listens on\n"
    "as its first line.\n"
    "  --host ADDR        numeric IPv4/IPv6 address (default 127.0.0.1)\n"
    "  --port N           0..65535, 0 picks a free port (default 8080)\n"
    "  --unix PATH        also listen on a unix socket at PATH (mode 0666,\n"
    "                     removed at exit) that serves pages only: /stats,\n"
    "                     /plan, /ideal, /log and the index answer 404 there\n"
    "  --delay-ms N|MIN-MAX  page delay 0..600000 (default 1000); a range\n"
    "                     gives each id its own delay, a pure function of\n"
    "                     --seed and the id; ?delay_ms=N (0..60000)\n"
    "                     overrides one request\n"
    "  --seed S           0..9223372036854775807 (default 1): delays, faults\n"
    "  --fail-rate P      share of /detail attempts answered 500 after the\n"
    "                     delay (0..1; default 0)\n"
    "  --reset-rate P     share reset (RST) instead of answered\n"
    "  --stall-rate P     share never answered (until the client leaves)\n"
    "                     which attempt meets which fault is a pure function\n"
    "                     of (seed, id, attempt); the three sum to <= 1\n"
    "  --header-timeout-ms N  close a connection whose request head is not\n"
    "                     complete N ms after its first byte (default 10000)\n"
    "  --idle-timeout-ms N  close a keep-alive connection idle N ms (30000)\n"
    "  --write-timeout-ms N  close one whose response moves no byte in N ms\n"
    "                     (default 10000); timeouts are 1..86400000\n"
    "  --max-conns N      1..1000000 open connections (default 10000);\n"
    "                     more are answered 503 and closed\n"
    "  --fail-ids LIST    these /detail ids get 500 after the delay\n"
    "  --wrong-ids LIST   these /detail ids get the page of id+1\n"
    "  --close-ids LIST   these /detail ids are hung up on after the delay\n"
    "  --stall-ids LIST   these /detail ids are never answered (until the\n"
    "                     client leaves: its timeout)\n"
    "  --stall-ms N       a stalled page is answered after N ms after all\n"
    "                     (1..600000; default: never)\n"
    "  --cut-ids LIST     these /detail ids get half a page, then the\n"
    "                     connection is closed (a transfer cut short)\n"
    "                     LIST: up to 1024 comma-separated ids 1..2147483647\n"
    "  --pages L          0..10000 list pages: GET /list/P (1..L) answers, after\n"
    "                     its delay, an HTML page of --per-page links to\n"
    "                     /detail/ID; ids 1..L*K, each on one page, in an\n"
    "                     order drawn from --seed (default 0: no /list)\n"
    "  --per-page K       0..1000 detail links on each list page, L*K <=\n"
    "                     100000 (default 0)\n"
    "  --list-delay-ms N|MIN-MAX  list pages' delay, per page a pure function\n"
    "                     of --seed and P (default: as --delay-ms)\n"
    "  --chain            list page P links to P+1 (rel=\"next\"): the lists\n"
    "                     are found one after another\n"
    "  --list-fail-ids LIST  these list pages get 500 after their delay (the\n"
    "                     fault switches above are for /detail pages only)\n"
    "  --quiet            no start/stop lines on stderr\n"
    "  --help, --version\n"
    "GET /stats[?reset=1] returns the counters and per-id fetch counts as\n"
    "JSON; GET /plan?n=N (N <= 100000) the delays of ids 1..N; GET /log the\n"
    "timeline of /detail requests, one a line: id attempt start_us end_us\n"
    "end status pid (CLOCK_MONOTONIC microseconds; end: open, answered,\n"
    "cut, dropped, aborted; pid: the client's, on the unix socket); with\n"
    "--pages also /list requests, and every line ends in list or detail.\n"
    "GET /ideal?n=N&w=W the ideal time of ids 1..N on W workers (0: no\n"
    "limit), the greedy schedule; GET /ideal?w=W&frontier=1[&stages=1] that\n"
    "of the whole frontier crawl (--pages): lists, then their details.\n";

enum {
    OPT_UNIX = 256,
    OPT_SEED,
    OPT_FAIL_RATE,
    OPT_RESET_RATE,
    OPT_STALL_RATE,
    OPT_HEADER_TIMEOUT,
    OPT_IDLE_TIMEOUT,
    OPT_WRITE_TIMEOUT,
    OPT_STALL_IDS,
    OPT_CUT_IDS,
    OPT_STALL_MS,
    OPT_PAGES,
    OPT_PER_PAGE,
    OPT_LIST_DELAY,
    OPT_CHAIN,
    OPT_LIST_FAIL_IDS,
};

static const struct option long_opts[] = {
    {"host", required_argument, NULL, 'H'},
    {"port", required_argument, NULL, 'p'},
    {"unix", required_argument, NULL, OPT_UNIX},
    {"delay-ms", required_argument, NULL, 'd'},
    {"seed", required_argument, NULL, OPT_SEED},
    {"fail-rate", required_argument, NULL, OPT_FAIL_RATE},
    {"reset-rate", required_argument, NULL, OPT_RESET_RATE},
    {"stall-rate", required_argument, NULL, OPT_STALL_RATE},
    {"header-timeout-ms", required_argument, NULL, OPT_HEADER_TIMEOUT},
    {"idle-timeout-ms", required_argument, NULL, OPT_IDLE_TIMEOUT},
    {"write-timeout-ms", required_argument, NULL, OPT_WRITE_TIMEOUT},
    {"max-conns", required_argument, NULL, 'm'},
    {"fail-ids", required_argument, NULL, 'f'},
    {"wrong-ids", required_argument, NULL, 'w'},
    {"close-ids", required_argument, NULL, 'c'},
    {"stall-ids", required_argument, NULL, OPT_STALL_IDS},
    {"cut-ids", required_argument, NULL, OPT_CUT_IDS},
    {"stall-ms", required_argument, NULL, OPT_STALL_MS},
    {"pages", required_argument, NULL, OPT_PAGES},
    {"per-page", required_argument, NULL, OPT_PER_PAGE},
    {"list-delay-ms", required_argument, NULL, OPT_LIST_DELAY},
    {"chain", no_argument, NULL, OPT_CHAIN},
    {"list-fail-ids", required_argument, NULL, OPT_LIST_FAIL_IDS},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;

    return (x > y) - (x < y);
}

static int opt_range(const char *flag, const char *arg, long lo, long hi, long *out, char *err,
                     size_t errsz)
{
    long v;

    if (http_parse_uint(arg, strlen(arg), hi, &v) == 0 && v >= lo) {
        *out = v;
        return 0;
    }
    snprintf(err, errsz, "%s must be an integer %ld..%ld (got \"%s\")", flag, lo, hi, arg);
    return -1;
}

/* "N" or "MIN-MAX", each 0..MAX_DELAY_MS, MIN <= MAX. */
static int opt_delay(const char *flag, const char *arg, long *min_ms, long *max_ms, char *err,
                     size_t errsz)
{
    const char *dash = strchr(arg, '-');
    size_t len = dash ? (size_t)(dash - arg) : strlen(arg);
    long lo, hi;

    if (http_parse_uint(arg, len, MAX_DELAY_MS, &lo) == 0 &&
        (dash == NULL ? (hi = lo, 1)
                      : http_parse_uint(dash + 1, strlen(dash + 1), MAX_DELAY_MS, &hi) == 0) &&
        lo <= hi) {
        *min_ms = lo;
        *max_ms = hi;
        return 0;
    }
    snprintf(err, errsz, "%s must be N or MIN-MAX, integers 0..%d with MIN <= MAX (got \"%s\")",
             flag, MAX_DELAY_MS, arg);
    return -1;
}

/* A probability: plain decimal 0..1 ("0", "0.25", "1"). */
static int opt_rate(const char *flag, const char *arg, double *out, char *err, size_t errsz)
{
    char *end;
    double v = 0;

    if ((arg[0] >= '0' && arg[0] <= '9') || arg[0] == '.')
        v = strtod(arg, &end);
    else
        end = (char *)arg;
    if (end != arg && *end == '\0' && v >= 0 && v <= 1) {
        *out = v;
        return 0;
    }
    snprintf(err, errsz, "%s must be a number 0..1 (got \"%s\")", flag, arg);
    return -1;
}

static int opt_ids(const char *flag, const char *arg, struct idlist *l, char *err, size_t errsz)
{
    const char *p = arg;

    for (l->n = 0;; p += strcspn(p, ",") + 1) {
        size_t len = strcspn(p, ",");
        long id;

        if (l->n == SRV_MAX_IDS || http_parse_uint(p, len, SRV_MAX_ID, &id) != 0 || id == 0) {
            snprintf(err, errsz,
                     "%s must be a comma-separated list of up to %d ids 1..%d (got \"%s\")", flag,
                     SRV_MAX_IDS, SRV_MAX_ID, arg);
            return -1;
        }
        l->ids[l->n++] = id;
        if (p[len] == '\0')
            break;
    }
    qsort(l->ids, l->n, sizeof l->ids[0], cmp_long);
    return 0;
}

static int opt_host(const char *arg, char *err, size_t errsz)
{
    unsigned char addr[sizeof(struct in6_addr)];

    if (inet_pton(AF_INET, arg, addr) == 1 || inet_pton(AF_INET6, arg, addr) == 1)
        return 0;
    snprintf(err, errsz, "--host must be a numeric IPv4 or IPv6 address (got \"%s\")", arg);
    return -1;
}

static int opt_unix(const char *arg, char *err, size_t errsz)
{
    if (arg[0] != '\0' && strlen(arg) < 108) /* sizeof sun_path */
        return 0;
    snprintf(err, errsz, "--unix must be a path of 1..107 bytes (got \"%s\")", arg);
    return -1;
}

/* The frontier crawl's flags (the list pages). */
static int opt_apply_list(struct srv_config *cfg, int ch, const char *arg, char *err, size_t errsz)
{
    switch (ch) {
    case OPT_PAGES:
        return opt_range("--pages", arg, 0, SRV_MAX_PAGES, &cfg->pages, err, errsz);
    case OPT_PER_PAGE:
        return opt_range("--per-page", arg, 0, SRV_MAX_PER, &cfg->per_page, err, errsz);
    case OPT_LIST_DELAY:
        return opt_delay("--list-delay-ms", arg, &cfg->list_delay_min_ms, &cfg->list_delay_max_ms,
                         err, errsz);
    case OPT_CHAIN:
        cfg->chain = 1;
        return 0;
    case OPT_LIST_FAIL_IDS:
        return opt_ids("--list-fail-ids", arg, &cfg->list_fail_ids, err, errsz);
    }
    snprintf(err, errsz, "internal error: option %d", ch);
    return -1;
}

static int opt_apply(struct srv_config *cfg, int ch, const char *arg, char *err, size_t errsz)
{
    long v = 0;
    int rc;

    switch (ch) {
    case 'H':
        cfg->host = arg;
        return opt_host(arg, err, errsz);
    case 'p':
        rc = opt_range("--port", arg, 0, 65535, &v, err, errsz);
        cfg->port = (int)v;
        return rc;
    case OPT_UNIX:
        cfg->unix_path = arg;
        return opt_unix(arg, err, errsz);
    case 'd':
        return opt_delay("--delay-ms", arg, &cfg->delay_min_ms, &cfg->delay_max_ms, err, errsz);
    case OPT_SEED:
        rc = opt_range("--seed", arg, 0, LONG_MAX, &v, err, errsz);
        cfg->seed = (uint64_t)v;
        return rc;
    case OPT_FAIL_RATE:
        return opt_rate("--fail-rate", arg, &cfg->rates.fail, err, errsz);
    case OPT_RESET_RATE:
        return opt_rate("--reset-rate", arg, &cfg->rates.reset, err, errsz);
    case OPT_STALL_RATE:
        return opt_rate("--stall-rate", arg, &cfg->rates.stall, err, errsz);
    case OPT_HEADER_TIMEOUT:
        return opt_range("--header-timeout-ms", arg, 1, MAX_TIMEOUT_MS, &cfg->header_timeout_ms,
                         err, errsz);
    case OPT_IDLE_TIMEOUT:
        return opt_range("--idle-timeout-ms", arg, 1, MAX_TIMEOUT_MS, &cfg->idle_timeout_ms, err,
                         errsz);
    case OPT_WRITE_TIMEOUT:
        return opt_range("--write-timeout-ms", arg, 1, MAX_TIMEOUT_MS, &cfg->write_timeout_ms, err,
                         errsz);
    case 'm':
        return opt_range("--max-conns", arg, 1, 1000000, &cfg->max_conns, err, errsz);
    case 'f':
        return opt_ids("--fail-ids", arg, &cfg->fail_ids, err, errsz);
    case 'w':
        return opt_ids("--wrong-ids", arg, &cfg->wrong_ids, err, errsz);
    case 'c':
        return opt_ids("--close-ids", arg, &cfg->close_ids, err, errsz);
    case OPT_STALL_IDS:
        return opt_ids("--stall-ids", arg, &cfg->stall_ids, err, errsz);
    case OPT_CUT_IDS:
        return opt_ids("--cut-ids", arg, &cfg->cut_ids, err, errsz);
    case OPT_STALL_MS:
        return opt_range("--stall-ms", arg, 1, MAX_DELAY_MS, &cfg->stall_ms, err, errsz);
    case 'q':
        cfg->quiet = 1;
        return 0;
    }
    return opt_apply_list(cfg, ch, arg, err, errsz);
}

/* What no single flag can check: the three fault shares together, and
 * the number of listed ids. */
static int opt_check(const struct srv_config *cfg, char *err, size_t errsz)
{
    double sum = cfg->rates.fail + cfg->rates.reset + cfg->rates.stall;

    if (sum > 1.0 + 1e-12) {
        snprintf(err, errsz, "--fail-rate + --reset-rate + --stall-rate must be at most 1 (got %g)",
                 sum);
        return -1;
    }
    if (cfg->pages * cfg->per_page > SRV_MAX_LISTED) {
        snprintf(err, errsz, "--pages * --per-page must be at most %d (got %ld * %ld)",
                 SRV_MAX_LISTED, cfg->pages, cfg->per_page);
        return -1;
    }
    return 0;
}

int options_parse(struct srv_config *cfg, int argc, char **argv, char *err, size_t errsz)
{
    int ch;

    opterr = 0; /* we print one line of our own */
    while ((ch = getopt_long(argc, argv, ":hV", long_opts, NULL)) != -1) {
        if (ch == 'h' || ch == 'V') {
            fputs(ch == 'h' ? usage_text : "delay-server " SUITE_VERSION "\n", stdout);
            return 1;
        }
        if (ch == ':' || ch == '?') {
            snprintf(err, errsz, ch == ':' ? "%s needs a value" : "unknown option \"%s\"",
                     argv[optind - 1]);
            return -1;
        }
        if (opt_apply(cfg, ch, optarg, err, errsz) == -1)
            return -1;
    }
    if (optind < argc) {
        snprintf(err, errsz, "unexpected argument \"%s\"", argv[optind]);
        return -1;
    }
    return opt_check(cfg, err, errsz);
}
