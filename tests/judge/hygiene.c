/* SPDX-License-Identifier: MIT */
/* hygiene.c -- the checks of what crawl_run leaves behind and what it
 * costs, after every job: threads joined, children reaped, descriptors
 * closed, easy handles cleaned up, CPU and wake-ups against the suite's
 * own model, the sanitizers' verdicts, the caller's children and signal
 * dispositions left alone. */
#include "judge.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CPU_BASE_S    0.25 /* CPU a waiting job may use: start-up, libcurl, the sandbox */
#define CPU_PER_REQ_S 0.004
#define CPU_SLACK_S   0.05 /* beside 3 times the reference: /proc counts in 10 ms ticks */
#define CALLER_KID_S  4    /* the caller's own child lives this long (hooks.c) */

void judge_threads_joined(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    long unjoined = o->calls.threads_started - o->calls.threads_joined - o->calls.threads_detached;

    (void)jd;
    if (!ended(o, v))
        return;
    if (o->tasks_after > o->tasks_before)
        fail(v, "threads still running after crawl_run returned: %d; join every thread you start",
             o->tasks_after - o->tasks_before);
    else if (o->calls_seen && unjoined > 0)
        fail(v,
             "threads started and never joined: %ld (they ended, but each keeps its stack "
             "until pthread_join); join every thread you start",
             unjoined);
}

void judge_children_reaped(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    (void)jd;
    if (!ended(o, v))
        return;
    if (o->zombies_left)
        fail(v,
             "children never waited for (zombies after crawl_run returned): %d; waitpid every "
             "child you fork",
             o->zombies_left);
    else if (o->procs_left)
        fail(v,
             "processes still running after crawl_run returned: %d; every worker must end, and "
             "be waited for, before crawl_run returns",
             o->procs_left);
}

void judge_fds_closed(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    char list[200] = "";
    size_t len = 0;
    int extra = 0;

    (void)jd;
    if (!ended(o, v))
        return;
    for (int k = 0; k < o->nfds_after && k < JUDGE_MAX_FDS; k++) {
        int known = 0;

        for (int q = 0; q < o->nfds_before && q < JUDGE_MAX_FDS && !known; q++)
            known = o->fds_after[k] == o->fds_before[q];
        if (known)
            continue;
        if (extra++ < 8 && len < sizeof list - 16)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%d", len ? ", " : "",
                                    o->fds_after[k]);
    }
    if (extra)
        fail(v,
             "descriptors open after crawl_run returned that were not open before: %s%s; close "
             "every pipe end and socket",
             list, extra > 8 ? ", ..." : "");
    for (int q = 0; q < o->nfds_before && q < JUDGE_MAX_FDS; q++) {
        int kept = 0;

        for (int k = 0; k < o->nfds_after && k < JUDGE_MAX_FDS && !kept; k++)
            kept = o->fds_after[k] == o->fds_before[q];
        if (!kept)
            fail(v,
                 "descriptor %d was open before crawl_run and closed after it: close only what "
                 "you opened (a pipe end left 0 in an array closes stdin)",
                 o->fds_before[q]);
    }
}

void judge_easy_handles(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    (void)jd;
    if (!ended(o, v))
        return;
    if (!o->calls_seen)
        fail(v, "the counts of easy handles were not reported");
    else if (o->calls.easy_inits != o->calls.easy_cleanups)
        fail(v,
             "%ld easy handles were made and %ld cleaned up: curl_easy_cleanup every handle, "
             "on every path (failures too)",
             o->calls.easy_inits, o->calls.easy_cleanups);
}

/* Against the suite's own model on the same job in the same grading:
 * CPU time (from /proc, in 10 ms ticks) and wake-ups of the graded
 * process's threads. A loop that polls with a short sleep costs little
 * CPU but wakes up hundreds of times a second. */
static double cpu_bound(const struct obs *o, const struct obs *ref)
{
    return 3 * (ref ? ref->cpu_s : 0) + CPU_SLACK_S + 0.002 * o->n;
}

static long wake_bound(const struct obs *o, const struct obs *ref)
{
    return 4 * (ref ? ref->wakeups : 0) + 30 + 2L * o->n;
}

/* Within both bounds against a reference that cost nothing: it passes
 * against any, so the reference need not run (a few seconds a grading). */
int cpu_settled(const struct obs *o)
{
    return o->cpu_s <= cpu_bound(o, NULL) && o->wakeups <= wake_bound(o, NULL);
}

static void cpu_against_reference(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    const struct obs *ref = o->ref;

    if (o->cpu_s > cpu_bound(o, ref))
        fail(v,
             "used %.2f s of CPU where the suite's own %s model used %.2f s on the same job: a "
             "loop that polls without sleeping burns a core; wait in curl_multi_poll, poll or a "
             "blocking call",
             o->cpu_s, jd->model->name, ref->cpu_s);
    else if (o->wakeups > wake_bound(o, ref))
        fail(v,
             "its threads woke up %ld times in %.2f s where the suite's own %s model's woke up "
             "%ld times on the same job: a loop that polls with a short sleep wakes up hundreds "
             "of times a second; wait in curl_multi_poll, poll or a blocking call, which wakes "
             "when there is something to do",
             o->wakeups, o->wall_s, jd->model->name, ref->wakeups);
}

/* A yardstick only if it did the job: the server saw every id asked for
 * (a skeleton built as the reference does nothing, costs nothing). */
static int reference_did_job(const struct obs *ref)
{
    return ref && ref->ended && ref->server_ok && ref->requests >= ref->n;
}

void judge_cpu(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    double budget = CPU_BASE_S + CPU_PER_REQ_S * o->n;

    if (!ended(o, v) || cpu_settled(o))
        return;
    if (reference_did_job(o->ref)) {
        cpu_against_reference(jd, o, v);
        return;
    }
    if (o->cpu_s > budget)
        fail(v,
             "used %.2f s of CPU in %.2f s of a job that only waits (budget %.2f s): a loop "
             "that polls without sleeping burns a core; wait in curl_multi_poll, poll or a "
             "blocking call",
             o->cpu_s, o->wall_s, budget);
}

/* The sanitizer build locks, the plain build never does: the program
 * tells the builds apart at run time (its heap's addresses, say) and
 * takes its lock only where a sanitizer watches. Only a program that
 * locks at all, against three plain jobs or more that ran to their end. */
static void behaves_alike(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    long plain_locks = 0;
    int plain_jobs = 0;

    if (!o->calls_seen || o->calls.locks_taken == 0)
        return;
    for (size_t k = 0; k < jd->njobs; k++) {
        const struct obs *p = &jd->obs[k];

        if (!p->done || p->job->flavor != FLAVOR_PLAIN || !p->ended || !p->calls_seen || p->n < 2)
            continue;
        plain_jobs++;
        plain_locks += p->calls.locks_taken;
    }
    if (plain_jobs >= 3 && plain_locks == 0)
        fail(v,
             "takes locks in the %s build (%ld in this job) and none in %d jobs of the plain "
             "build: the program graded must behave the same in every build (a lock taken only "
             "where a sanitizer watches hides a race everywhere else)",
             flavor_name(o->job->flavor), o->calls.locks_taken, plain_jobs);
}

void judge_sanitizer(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    if (o->sanitizer[0])
        fail(v, "%s", o->sanitizer);
    else if (o->exit_code == 66)
        fail(v, "the sanitizer reported an error (its log was removed)");
    else if (o->ended && o->exit_code == -1 && !o->timed_out)
        fail(v, "the program did not exit after crawl_run returned (an exit handler that never "
                "returns?): the sanitizer's checks at exit could not run");
    else if (o->calls_seen && o->calls.sanitizer_reports > 0)
        fail(v,
             "reports the sanitizer made while the program ran: %ld, and their log was gone "
             "when it had exited: fix what they report, and leave the sanitizer's files alone",
             o->calls.sanitizer_reports);
    else if (ran(o, v))
        behaves_alike(jd, o, v);
}

/* ---- caller_state: nothing of the caller's is touched ---- */

static const char *const SIG_FIELD[3] = {"blocked", "ignored", "caught (a handler)"};

/* The first signal whose bit differs in two /proc hex masks; 0 if none.
 * Only the classic signals: from 32 on, the C library's threads install
 * handlers of their own (SIGCANCEL, SIGSETXID) when they first start. */
static int first_changed(const char *a, const char *b)
{
    unsigned long long x = strtoull(a, NULL, 16), y = strtoull(b, NULL, 16);

    for (int sig = 1; sig < 32; sig++)
        if (((x ^ y) >> (sig - 1)) & 1)
            return sig;
    return 0;
}

void judge_caller_state(const struct judge *jd, const struct obs *o, struct verdict *v)
{
    (void)jd;
    if (!ended(o, v))
        return;
    for (int k = 0; k < 3; k++) {
        int sig = first_changed(o->sig_before[k], o->sig_after[k]);

        if (sig)
            fail(v,
                 "signal %d (%s) was %s%s before crawl_run and %s%s after it: leave the "
                 "caller's signal handling as it was (restore a handler, a SIG_IGN or a mask "
                 "you change)",
                 sig, strsignal(sig),
                 strtoull(o->sig_before[k], NULL, 16) >> (sig - 1) & 1 ? "" : "not ", SIG_FIELD[k],
                 strtoull(o->sig_after[k], NULL, 16) >> (sig - 1) & 1 ? "" : "not ", SIG_FIELD[k]);
    }
    if (o->job->kind->hook == HOOK_CALLER && o->nkids_before == 0)
        fail(v, "the judge's own child of the caller was not there (not your fault: tell your "
                "teacher)");
    else if (o->kids_kept < o->nkids_before)
        fail(v,
             "the caller had children of its own before crawl_run (one already ended, waiting for "
             "its parent), and one was gone (reaped) when "
             "crawl_run returned: wait(NULL) or waitpid(-1, ...) takes any child; wait for the "
             "ones you forked, each by its pid");
    else if (o->nkids_before > 0 && o->kids_dead >= o->nkids_before &&
             o->t_end - o->t0 < CALLER_KID_S - 0.5)
        fail(v,
             "the caller's own child, which lives %d s, was dead when crawl_run returned after "
             "%.1f s: kill() only the pids you forked (not 0 or -1, not the process group)",
             CALLER_KID_S, o->t_end - o->t0);
}
