/* SPDX-License-Identifier: MIT */
/* lanes.c -- the judge's jobs run two (or up to four) at a time
 * (grade-judge --lanes): threads that take the jobs the named checks will
 * look at, the plain build's first and then the longest first, before any
 * check looks; and the one thread that takes Ctrl-C and kill meanwhile.
 * Each job has its own server, sandbox and uid, so the verdicts are those
 * of one job at a time. A thread pool's handout leaves this file out (it
 * shows that model's mechanism): its judge runs one job at a time. */
#include "judge.h"

#include <pthread.h>
#include <signal.h>
#include <stddef.h>

/* The jobs the named checks look at, each once, in the order they would
 * look; the lanes take them one at a time. */
struct lanes_todo {
    struct judge *jd;
    pthread_mutex_t lock; /* next, and the judge's give_up state */
    size_t next, n;
    size_t k[64]; /* indexes into jd->jobs */
};

struct lane_arg {
    struct lanes_todo *todo;
    struct lane *lane;
};

static void *lane_main(void *arg)
{
    struct lane_arg *a = arg;
    struct lanes_todo *t = a->todo;
    struct judge *jd = t->jd;

    for (;;) {
        size_t k;
        int skip;

        pthread_mutex_lock(&t->lock);
        k = t->next < t->n ? t->k[t->next++] : (size_t)-1;
        skip = jd->gave_up[0] != 0; /* after a bomb or two hangs: as observe() */
        pthread_mutex_unlock(&t->lock);
        if (k == (size_t)-1 || skip)
            return NULL; /* observe() marks the rest not run */
        job_run(jd, a->lane, &jd->jobs[k], &jd->obs[k]);
        pthread_mutex_lock(&t->lock);
        give_up_after(jd, &jd->obs[k]);
        pthread_mutex_unlock(&t->lock);
    }
}

/* Ctrl-C or kill when lanes run: only this thread takes the signal (the
 * others block it), so the killing (which forks) never runs in a thread
 * that the signal caught in the middle of malloc. */
static void *watch_signals(void *arg)
{
    struct judge *jd = arg;
    sigset_t stop;
    int sig;

    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    if (sigwait(&stop, &sig) != 0)
        return NULL;
    job_kill_all(jd);
    signal(sig, SIG_DFL);
    pthread_sigmask(SIG_UNBLOCK, &stop, NULL);
    raise(sig); /* the whole judge ends, as on_signal's */
    return NULL;
}

static void todo_add(struct lanes_todo *t, size_t k)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->k[i] == k)
            return;
    if (t->n < sizeof t->k / sizeof t->k[0])
        t->k[t->n++] = k;
}

/* A job's length, guessed from its shape (ms): its rounds of delays, its
 * timeouts and retries' backoffs, a sanitizer's start. Only the order the
 * lanes take the jobs in depends on it (the longest first: the lanes end
 * together). */
static long guess_ms(const struct job_shape *j)
{
    int w = j->w > 0 && j->w < j->n ? j->w : (j->n > 0 ? j->n : 1);
    long ms = (long)((j->n + w - 1) / w) * j->delay_max;

    if (j->pages)
        ms += (long)j->pages * j->list_max / (j->chain ? 1 : w);
    if (j->stall_ids[0])
        ms += j->timeout_ms * (1 + j->retries);
    ms += (long)j->retries * 300; /* a backoff or two of crawl.h's policy */
    return ms + (j->flavor != FLAVOR_PLAIN ? 300 : 0);
}

/* Should job a run before job b? The plain build's first (as one at a
 * time: a hang in them is what gives up on the sanitizer jobs, never the
 * other way), then the longest first. */
static int runs_before(const struct job_shape *a, const struct job_shape *b)
{
    int a_plain = a->flavor == FLAVOR_PLAIN, b_plain = b->flavor == FLAVOR_PLAIN;

    return a_plain != b_plain ? a_plain : guess_ms(a) > guess_ms(b);
}

static void todo_sort(struct lanes_todo *t)
{
    for (size_t i = 2; i < t->n; i++) /* insertion sort; the first job stays first */
        for (size_t k = i; k > 1 && runs_before(&t->jd->jobs[t->k[k]], &t->jd->jobs[t->k[k - 1]]);
             k--) {
            size_t swap = t->k[k];

            t->k[k] = t->k[k - 1];
            t->k[k - 1] = swap;
        }
}

/* Run every job the checks will look at, nlanes at once, before any
 * check looks (observe() then finds them done). The verdicts are the
 * same as one at a time: each job has its own server, sandbox and uid. */
void lanes_run(struct judge *jd, char **names, int count)
{
    struct lanes_todo t = {.jd = jd, .lock = PTHREAD_MUTEX_INITIALIZER};
    struct lane_arg args[JUDGE_LANES_MAX];
    pthread_t tid[JUDGE_LANES_MAX];
    int started = 0;

    todo_add(&t, (size_t)(first_job(jd) - jd->jobs));
    for (int i = 0; i < count; i++) {
        const struct check *c = check_find(names[i]);

        if (!c || !model_has(jd->model, c->needs) || !for_schedule(jd, c))
            continue;
        for (size_t k = 0; k < jd->njobs; k++)
            if (list_has(c->jobs, jd->jobs[k].name) && job_applies(&jd->jobs[k], jd->model) &&
                jd->bin[jd->jobs[k].flavor])
                todo_add(&t, k);
    }
    todo_sort(&t);
    for (int l = 0; l < jd->nlanes; l++) {
        args[l] = (struct lane_arg){.todo = &t, .lane = &jd->lanes[l]};
        if (pthread_create(&tid[l], NULL, lane_main, &args[l]) != 0)
            break; /* the lanes started do it all; none: observe() runs them */
        started++;
    }
    for (int l = 0; l < started; l++)
        pthread_join(tid[l], NULL);
}

/* With lanes, from now to the end only watch_signals takes INT, TERM and
 * HUP (a process that once had threads forks with malloc's locks taken,
 * so on_signal could hang); -1: it could not start, on_signal stays. */
int lanes_watch_signals(struct judge *jd)
{
    pthread_t watcher;
    sigset_t stop, before;

    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    if (pthread_sigmask(SIG_BLOCK, &stop, &before) != 0)
        return -1;
    if (pthread_create(&watcher, NULL, watch_signals, jd) != 0 || pthread_detach(watcher) != 0) {
        pthread_sigmask(SIG_SETMASK, &before, NULL);
        return -1;
    }
    return 0;
}
