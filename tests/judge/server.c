/* SPDX-License-Identifier: MIT */
/* server.c -- the judge's own delay-server, one per job: started with the
 * job's shape (delays, faults), listening on a unix socket that is the
 * sandbox's only way out and on a TCP port the sandbox cannot reach, where
 * the judge reads its counters, per-id fetches, timeline and delay plan
 * (server/stats_client.h). Its word is the judge's evidence. */
#include "server.h"

#include "stats_client.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SERVER_START_S 5.0
#define STALL_MS       3000 /* a stalled page is answered after all, this late */
#define SERVER_GET_MS  5000
#define SERVER_GET_MAX (64L << 20) /* /log of the server's most requests: ~12 MB */

/* Start delay-server for job j; its port, or -1 (o->broken says why). */
int server_start(const struct judge *jd, struct lane *lane, const struct job_shape *j,
                 const char *sock, pid_t *pid_out, struct obs *o)
{
    struct vec a = {0};
    int out[2], port = -1;
    char line[128] = "";
    size_t len = 0;
    double deadline = now_s() + SERVER_START_S;

    vec_add(&a, "%s", jd->server);
    vec_add(&a, "--host");
    vec_add(&a, "127.0.0.1");
    vec_add(&a, "--port");
    vec_add(&a, "0");
    vec_add(&a, "--unix");
    vec_add(&a, "%s", sock);
    vec_add(&a, "--seed");
    vec_add(&a, "%ld", o->seed);
    if (j->delay_min == j->delay_max)
        vec_add(&a, "--delay-ms=%ld", j->delay_min);
    else
        vec_add(&a, "--delay-ms=%ld-%ld", j->delay_min, j->delay_max);
    if (j->fail_ids[0])
        vec_add(&a, "--fail-ids=%s", j->fail_ids);
    if (j->wrong_ids[0])
        vec_add(&a, "--wrong-ids=%s", j->wrong_ids);
    if (j->stall_ids[0]) /* answered at last: no timeout at all is slow, not a hang */
        vec_add(&a, "--stall-ids=%s", j->stall_ids);
    if (j->stall_ids[0])
        vec_add(&a, "--stall-ms=%d", STALL_MS);
    if (j->cut_ids[0])
        vec_add(&a, "--cut-ids=%s", j->cut_ids);
    if (j->pages) { /* a frontier job: list pages that name the details */
        vec_add(&a, "--pages=%d", j->pages);
        vec_add(&a, "--per-page=%d", j->per_page);
        vec_add(&a, "--list-delay-ms=%ld-%ld", j->list_min, j->list_max);
        if (j->chain)
            vec_add(&a, "--chain");
        if (j->fail_list)
            vec_add(&a, "--list-fail-ids=%d", j->fail_list);
    }
    if (pipe2(out, O_CLOEXEC) != 0) {
        broken(o, "pipe: %s", strerror(errno));
        return -1;
    }
    *pid_out = fork();
    if (*pid_out < 0) {
        broken(o, "fork: %s", strerror(errno));
        close(out[0]);
        close(out[1]);
        return -1;
    }
    if (*pid_out == 0) {
        int null = open("/dev/null", O_RDWR);

        dup2(out[1], 1);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 2);
        }
        execv(a.items[0], a.items);
        _exit(127);
    }
    close(out[1]);
    lane->server = *pid_out;
    /* Its first line is its URL: http://127.0.0.1:PORT */
    while (len + 1 < sizeof line && !strchr(line, '\n') && now_s() < deadline) {
        struct pollfd p = {.fd = out[0], .events = POLLIN};
        ssize_t got;

        if (poll(&p, 1, 100) <= 0)
            continue;
        got = read(out[0], line + len, sizeof line - 1 - len);
        if (got <= 0)
            break;
        len += (size_t)got;
        line[len] = '\0';
    }
    close(out[0]);
    if (!strchr(line, '\n') || sscanf(line, "http://127.0.0.1:%d", &port) != 1 || port <= 0) {
        broken(o, "the judge's delay-server did not start (%s)", jd->server);
        return -1;
    }
    return port;
}

void server_stop(struct lane *lane, pid_t pid)
{
    int status;

    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    for (int k = 0; k < 200 && waitpid(pid, &status, WNOHANG) == 0; k++)
        usleep(10000);
    if (kill(pid, SIGKILL) == 0)
        waitpid(pid, &status, 0);
    lane->server = 0;
}

/* The judge's server is its own: a failed read is retried, not charged to
 * the student (a machine loaded enough can hold one up). */
static char *server_body(int port, const char *path)
{
    struct sc_addr a = {.port = port};

    return sc_get_body(&a, path, SERVER_GET_MS, SERVER_GET_MAX, 3);
}

/* Every request the program has started by "end": answered, given up,
 * or still waiting. Compared after the exit with what the server saw in
 * all: a request after "end" means crawl_run returned before the work was
 * done (or the "end" came from elsewhere). */
void server_at_end(int port, struct obs *o)
{
    char *body = port > 0 ? server_body(port, "/stats") : NULL;
    struct sc_stats st;

    o->started_at_end = -1;
    if (body && sc_parse_stats(body, &st) == 0)
        o->started_at_end = st.requests + st.aborted + st.in_flight;
    free(body);
}

/* A frontier job's list pages in the server's /log: which records were
 * lists (o->is_list; NULL out of memory: the timeline checks then see no
 * list) and how often each list page was fetched. */
static void count_lists(struct obs *o, const struct sc_log_rec *recs, size_t n)
{
    o->is_list = calloc(n + 1, 1);
    for (size_t k = 0; o->is_list && k < n; k++) {
        if (!recs[k].is_list)
            continue;
        o->is_list[k] = 1;
        if (recs[k].id >= 1 && recs[k].id <= o->job->pages && recs[k].id <= FRONTIER_LISTS_MAX)
            o->list_fetched[recs[k].id]++;
        else
            o->list_other++;
    }
}

/* GET /log: the server's timeline of page requests, into o->log. */
static void read_log(int port, struct obs *o)
{
    char *body = server_body(port, "/log");
    struct sc_log_rec *recs;
    size_t n;

    if (!body || sc_parse_log(body, &recs, &n) != 0 || n > INT_MAX ||
        !(o->log = calloc(n + 1, sizeof *o->log))) {
        free(body);
        return;
    }
    for (size_t k = 0; k < n; k++)
        o->log[k] = (struct srv_rec){.id = (int)recs[k].id,
                                     .attempt = (int)recs[k].attempt,
                                     .start_s = (double)recs[k].start_us / 1e6,
                                     .end_s = recs[k].end_us ? (double)recs[k].end_us / 1e6 : 0,
                                     .end = recs[k].end,
                                     .status = recs[k].status,
                                     .pid = recs[k].pid};
    o->nlog = (int)n;
    if (o->job->pages) /* a frontier job's list pages, per page */
        count_lists(o, recs, n);
    o->log_ok = 1;
    free(recs);
    free(body);
}

/* The server's counters, per-id fetches, timeline and delay plan. */
void server_read(int port, struct obs *o)
{
    char path[64];
    char *body = server_body(port, "/stats");
    unsigned int *counts = calloc((size_t)o->n + 1, sizeof *counts);
    struct sc_stats st;
    long long beyond;

    if (body && counts && sc_parse_stats(body, &st) == 0 && st.fetched &&
        sc_parse_fetched(st.fetched, counts, (size_t)o->n, &beyond, &o->fetched_max) == 0) {
        for (int id = 1; id <= o->n; id++)
            o->fetched[id] = (int)counts[id - 1];
        o->peak = st.peak_in_flight;
        o->in_flight = st.in_flight;
        o->requests = st.requests;
        o->aborted = st.aborted;
        o->fetched_other = st.fetched_other;
        o->server_ok = 1;
    }
    free(counts);
    free(body);
    read_log(port, o);
    if (o->job->pages) { /* the greedy schedule over list -> detail */
        double ideal;

        snprintf(path, sizeof path, "/ideal?w=%d&frontier=1", o->w);
        body = server_body(port, path);
        if (body && sscanf(body, "{\"ideal_s\":%lf", &ideal) == 1)
            o->ideal_frontier_s = ideal;
        free(body);
        return;
    }
    if (o->job->delay_min == o->job->delay_max || o->n > JUDGE_MAX_N)
        return;
    snprintf(path, sizeof path, "/plan?n=%d", o->n);
    body = server_body(port, path);
    o->plan_ok = body && sc_parse_plan(body, o->delays_ms, (size_t)o->n) == 0;
    free(body);
}
