/* SPDX-License-Identifier: MIT */
/* frontier.c -- the frontier crawl's bodies and the ideal times, from the
 * pure functions of delay_plan.c and the fixed config: nothing here
 * depends on what was fetched, so /ideal is the same for every client. */
#include "frontier.h"

#include <stdlib.h>

void frontier_list_range(const struct srv_config *cfg, long *min_ms, long *max_ms)
{
    int set = cfg->list_delay_min_ms >= 0;

    *min_ms = set ? cfg->list_delay_min_ms : cfg->delay_min_ms;
    *max_ms = set ? cfg->list_delay_max_ms : cfg->delay_max_ms;
}

void frontier_list_body(const struct srv_config *cfg, long page, struct outbuf *body)
{
    long ids[SRV_MAX_PER];

    if (dplan_list_page(cfg->seed, cfg->pages, cfg->per_page, page, ids) == -1) {
        body->oom = 1; /* routes.c lets only 1..--pages through */
        return;
    }
    ob_printf(body, "<!doctype html><title>list %ld</title>\n<ul>\n", page);
    for (long j = 0; j < cfg->per_page; j++)
        ob_printf(body, "<li><a href=\"/detail/%ld\">item %ld</a></li>\n", ids[j], ids[j]);
    ob_printf(body, "</ul>\n");
    if (cfg->chain && page < cfg->pages)
        ob_printf(body, "<a rel=\"next\" href=\"/list/%ld\">next</a>\n", page + 1);
}

void frontier_plan_json(const struct srv_config *cfg, int lists, struct outbuf *body)
{
    long ids[SRV_MAX_PER], lo, hi;

    frontier_list_range(cfg, &lo, &hi);
    ob_printf(body, ",\"pages\":%ld,\"per_page\":%ld,\"chain\":%d,\"list_delays_ms\":[", cfg->pages,
              cfg->per_page, cfg->chain);
    for (long p = 1; p <= cfg->pages; p++)
        ob_printf(body, p == 1 ? "%ld" : ",%ld", dplan_list_delay_ms(cfg->seed, p, lo, hi));
    ob_printf(body, "]");
    if (!lists)
        return;
    ob_printf(body, ",\"lists\":[");
    for (long p = 1; p <= cfg->pages && !body->oom; p++) {
        dplan_list_page(cfg->seed, cfg->pages, cfg->per_page, p, ids);
        ob_printf(body, p == 1 ? "[" : ",[");
        for (long j = 0; j < cfg->per_page; j++)
            ob_printf(body, j == 0 ? "%ld" : ",%ld", ids[j]);
        ob_printf(body, "]");
    }
    ob_printf(body, "]");
}

double frontier_ideal_ids(const struct srv_config *cfg, long n, long w)
{
    long *d = malloc((size_t)(n > 0 ? n : 1) * sizeof *d);
    double s;

    if (d == NULL)
        return -1;
    for (long id = 1; id <= n; id++)
        d[id - 1] = dplan_delay_ms(cfg->seed, id, cfg->delay_min_ms, cfg->delay_max_ms);
    s = dplan_greedy_s(d, (int)n, (int)w);
    free(d);
    return s;
}

/* Every list page's delay, and every detail's in list order. */
static void crawl_delays(const struct srv_config *cfg, long *lists, long *details)
{
    long lo, hi, *ids = details;

    frontier_list_range(cfg, &lo, &hi);
    for (long p = 1; p <= cfg->pages; p++, ids += cfg->per_page) {
        lists[p - 1] = dplan_list_delay_ms(cfg->seed, p, lo, hi);
        dplan_list_page(cfg->seed, cfg->pages, cfg->per_page, p, ids);
        for (long j = 0; j < cfg->per_page; j++)
            ids[j] = dplan_delay_ms(cfg->seed, ids[j], cfg->delay_min_ms, cfg->delay_max_ms);
    }
}

double frontier_ideal_crawl(const struct srv_config *cfg, long w, int stages)
{
    long n = cfg->pages * cfg->per_page;
    long *lists = malloc((size_t)(cfg->pages + 1) * sizeof *lists);
    long *details = malloc((size_t)(n + 1) * sizeof *details);
    unsigned flags = (cfg->chain ? DPLAN_CHAIN : 0) | (stages ? DPLAN_STAGES : 0);
    double s = -1;

    if (lists != NULL && details != NULL) {
        crawl_delays(cfg, lists, details);
        s = dplan_frontier_s(lists, (int)cfg->pages, details, (int)cfg->per_page, (int)w, flags);
    }
    free(lists);
    free(details);
    return s;
}
