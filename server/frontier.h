/* SPDX-License-Identifier: MIT */
/* frontier.h -- the bodies of the frontier crawl (--pages): a list page's
 * HTML, the list part of /plan, and the ideal times /ideal serves. Pure
 * builders over the fixed config; routes.c wraps them in responses. */
#ifndef FRONTIER_H
#define FRONTIER_H

#include "routes.h"
#include "state.h"

/* List page P's delay range: --list-delay-ms, or --delay-ms's when unset. */
void frontier_list_range(const struct srv_config *cfg, long *min_ms, long *max_ms);

/* The HTML of list page P (1..--pages), exactly as docs/delay-server.md
 * shows it: clients parse it. */
void frontier_list_body(const struct srv_config *cfg, long page, struct outbuf *body);

/* /plan's list fields, from the leading comma: pages, per_page, chain,
 * list_delays_ms, and with lists the ids of every page. */
void frontier_plan_json(const struct srv_config *cfg, int lists, struct outbuf *body);

/* The greedy ideal of ids 1..n on w workers (0: no limit), in seconds;
 * -1 when out of memory. */
double frontier_ideal_ids(const struct srv_config *cfg, long n, long w);
/* The frontier crawl's ideal over the server's own list pages and
 * details (dplan_frontier_s; --chain is the server's), or -1. */
double frontier_ideal_crawl(const struct srv_config *cfg, long w, int stages);

#endif
