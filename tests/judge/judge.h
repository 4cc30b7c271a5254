/* SPDX-License-Identifier: MIT */
/* judge.h -- what the judge's files share: the model, a job's shape, what
 * was observed while it ran, a check and its verdict, and the registry of
 * both (registry.c). Each concern has its file:
 *   judge.c       the command line, which jobs each check needs, verdicts
 *   registry.c    every check and every kind of job, of both schedules: one entry each
 *   jobs.c        a job's shape, drawn from the grading's seed
 *   frontier.c    the frontier variants' shapes and judgements (list pages -> details)
 *   job.c         running one job: sandbox, server, channel, observer
 *   sandbox.c     bubblewrap's command line, limits, the throw-away uid
 *   observer.c    the process from outside: /proc, the sanitizers' logs
 *   server.c      the judge's own delay-server: started, read, stopped
 *   channel_reader.c  the judge's end of the channel (channel.h)
 *   checks.c, schedule.c, hygiene.c   the checks' judgements
 *   util.c        the clock, argument vectors, /proc folders */
#ifndef JUDGE_H
#define JUDGE_H

#include "channel.h"

#include <stddef.h>
#include <sys/types.h>

#define JUDGE_MAX_FDS      256  /* descriptors remembered per snapshot */
#define JUDGE_OUTPUT_MAX   2048 /* bytes of the program's output kept, as context */
#define JUDGE_WHY_MAX      400  /* one reason line */
#define JUDGE_MAX_N        3000 /* requests in the largest job */
#define JUDGE_IDS_MAX      200  /* a list of ids for the server, "3,5,7" */
#define JUDGE_MAX_KIDS     8    /* the caller's own children, remembered */
#define JUDGE_SLACK_S      1.0  /* added to every time bound: a loaded 2-core machine */
#define FRONTIER_LISTS_MAX 16   /* list pages in the largest frontier job */

/* The builds a submission is linked in (tests/judge.cmake makes the
 * driver's library of each; grade.sh asks the judge for their flags). */
enum flavor { FLAVOR_PLAIN, FLAVOR_ASAN, FLAVOR_TSAN, FLAVOR_COUNT };

const char *flavor_name(enum flavor f); /* for reasons: "AddressSanitizer" */
const char *flavor_key(enum flavor f);  /* for the command line: "asan" */

/* What a model runs on, from its means in models.conf, and its schedule. */
enum model_trait {
    MODEL_POOL = 1,     /* has W workers (everything but serial) */
    MODEL_THREADS = 2,  /* runs threads: ThreadSanitizer applies */
    MODEL_FORKS = 4,    /* forks workers: exclusion across processes applies */
    MODEL_LOOP = 8,     /* an event loop: takes -w 0 for "no limit" */
    MODEL_FRONTIER = 16 /* its models.conf schedule is frontier: list pages lead to details */
};

/* What the judge must know of a model to choose its jobs and bounds. */
struct model_spec {
    const char *name;
    int pool, threads, forks, event_loop, frontier; /* the traits above, one by one */
};

int model_has(const struct model_spec *m, unsigned traits); /* every one of traits */

/* How the hooks (hooks.c) stand in for the program's caller in a job. */
enum caller_hook {
    HOOK_NONE,
    HOOK_TWICE,  /* crawl_run called twice in one process */
    HOOK_CALLER, /* the caller has children of its own */
    HOOK_SPAWN,  /* pthread_create and fork refused (EAGAIN) past job->spawn_cap */
    HOOK_JITTER, /* a pause after every release of a lock (contention) */
};

struct job_shape;

/* What a job's shape is drawn with (jobs.c). */
struct draw {
    unsigned long long rng; /* the job's own stream, from the grading's seed */
    int serial;             /* the model has no pool: fewer requests */
    int even_pools;         /* hybrid: W is split between two processes */
    int spawns;             /* the model starts threads or processes of its own */
};

/* A kind of job: one entry of the registry (registry.c). Its schedule is
 * the MODEL_FRONTIER bit of needs: a frontier job runs for the frontier
 * variants only, every other job for the classic models only. */
struct job_kind {
    const char *name;
    enum flavor flavor;
    void (*draw)(struct job_shape *j, struct draw *d);
    enum caller_hook hook;
    unsigned needs; /* model traits it needs (0: every classic model) */
    int wakeups;    /* its threads' wake-ups are followed all along (the cpu check) */
    int gate;       /* the model's own workers must be the ones that fetched here */
};

/* One job, its shape drawn from the grading's seed (jobs.c). */
struct job_shape {
    const struct job_kind *kind;
    const char *name; /* kind->name */
    enum flavor flavor;
    int n, w;                      /* drawn for this model (serial: fewer requests) */
    long delay_min, delay_max;     /* ms; uneven when they differ (seeded per id) */
    long timeout_ms;               /* --timeout-ms */
    int retries;                   /* --retries */
    char fail_ids[JUDGE_IDS_MAX];  /* answered HTTP 500, every attempt */
    char wrong_ids[JUDGE_IDS_MAX]; /* answered with another id's page */
    char stall_ids[JUDGE_IDS_MAX]; /* never answered: each attempt times out */
    char cut_ids[JUDGE_IDS_MAX];   /* half a page, then the connection closes */
    int refused;                   /* no server: every connection refused */
    int spawn_cap;                 /* HOOK_SPAWN: threads or forks that succeed */
    /* a frontier job (n: the details, L x K; delay_min/max: the details') */
    int pages, per_page;      /* L list pages of K details each; 0: a classic job (-n) */
    int chain;                /* list P links P + 1 (--chain) */
    long list_min, list_max;  /* the list pages' delays, ms */
    int fail_list;            /* this list page answers HTTP 500 (0: none) */
    int skip;                 /* not run for this model */
    char what[JUDGE_WHY_MAX]; /* for reasons: the shape in words */
};

/* One page request in the server's own timeline (GET /log). */
struct srv_rec {
    int id, attempt;
    double start_s, end_s; /* CLOCK_MONOTONIC, as the judge's own clock; end 0: open */
    char end;              /* 'a'nswered, 'c'ut, 'd'ropped, 'x' aborted by the client, 'o'pen */
    int status;            /* answered: its HTTP status */
    pid_t pid;             /* the process that connected (0: unknown) */
};

/* Everything observed while one job ran. */
struct obs {
    const struct job_shape *job;
    int done;
    char broken[JUDGE_WHY_MAX]; /* the job could not be judged at all, and why */
    int n, w;                   /* the job as run for this model: w is the total limit */
    int procs;                  /* hybrid: -p, with w / procs transfers each; 0 otherwise */
    long seed;                  /* the server's --seed: uneven delays per id */
    /* the process, from outside */
    int ready, ended;            /* the driver reached "ready" / "end" with our nonce */
    int timed_out;               /* killed at the time limit */
    double t_stopped;            /* CLOCK_MONOTONIC: when it was, if it was */
    int runaway;                 /* killed as a fork or thread bomb: threads alive then */
    char not_run[JUDGE_WHY_MAX]; /* skipped after a bomb or hangs in earlier jobs, and why */
    int exit_code;               /* -1 unknown */
    pid_t driver;                /* the graded process, found by the judge under the sandbox */
    double t0, t_ready, t_end;   /* CLOCK_MONOTONIC: start, "ready" and "end" */
    int threads_peak;            /* most threads seen in /proc/DRIVER/task while it ran */
    int thread_samples;          /* how often it was looked at */
    char sig_before[3][24], sig_after[3][24]; /* SigBlk, SigIgn, SigCgt at ready and end */
    pid_t kids_before[JUDGE_MAX_KIDS];        /* the driver's children at "ready" */
    int nkids_before, kids_kept; /* ... and how many were still its children at "end" */
    int kids_dead;               /* ... of which dead (zombies) by then */
    int first_bad;               /* second_run: bad rows of the first call (-1 unknown) */
    long wakeups;                /* context switches of the graded process's threads (cpu jobs) */
    int is_reference;            /* this is the reference model's run of the job */
    const struct obs *ref;       /* the reference model's run of the same job, or NULL */
    int crawl_rc;                /* what crawl_run returned, from the "end" line */
    double wall_s;               /* start of the sandbox to "end" */
    double cpu_s;                /* utime + stime, the process and its reaped children */
    int tasks_before, tasks_after;
    int nfds_before, nfds_after;
    int fds_before[JUDGE_MAX_FDS], fds_after[JUDGE_MAX_FDS];
    int procs_left, zombies_left; /* other processes in the sandbox at "end" */
    struct judged_calls calls;    /* the hooks' counts (channel.h) */
    int calls_seen;
    struct judged_row *rows; /* [n]: rows[i].slot is i + 1 once its record came */
    int bad_rows;            /* lines that were not well-formed rows */
    /* the server, from its own counters */
    int server_ok;
    long peak, in_flight, requests, aborted, fetched_other, fetched_max;
    long started_at_end;         /* requests started when "end" came; -1 unknown */
    int *fetched;                /* [n + 1]: fetches per id */
    long delays_ms[JUDGE_MAX_N]; /* the server's per-id plan, from /plan */
    int plan_ok;
    struct srv_rec *log; /* the server's timeline of page requests */
    int nlog, log_ok;
    /* a frontier job's list pages, from the server's /log and /ideal */
    int rows_room;                            /* rows[] holds this many (0: n) */
    int list_fetched[FRONTIER_LISTS_MAX + 2]; /* [P]: /list/P requests */
    int list_other;                           /* list pages fetched beyond 1..L */
    char *is_list;                            /* [nlog]: which of the log were lists */
    double ideal_frontier_s; /* the greedy schedule over list -> detail (-1 unknown) */
    /* the sanitizer, from its own log file */
    char sanitizer[JUDGE_WHY_MAX];
    /* context only */
    char output[JUDGE_OUTPUT_MAX];
    size_t output_len;
};

/* One of the jobs running at once: what on_signal must kill. */
#define JUDGE_LANES_MAX 4
struct lane {
    volatile pid_t sandbox, server;
    volatile uid_t uid;
};

struct judge {
    const struct model_spec *model;
    const char *server; /* delay-server binary */
    const char *work;   /* a folder of the judge's own for sockets and logs */
    const char *bin[FLAVOR_COUNT];
    char sandbox_mode; /* 'a'uto, 'r'equire, 'o'ff */
    int sandboxed;     /* bubblewrap works here */
    char sandbox_note[200];
    int verbose;
    unsigned long seed;     /* the grading's: every job's shape is drawn from it */
    int has_seed;           /* given with --seed */
    const char *reference;  /* the suite's own model, built like a submission, or NULL */
    struct obs *ref_obs;    /* [njobs]: its runs, for the cpu check */
    struct job_shape *jobs; /* [njobs], drawn from seed */
    size_t njobs;
    struct obs *obs;              /* [njobs] */
    int hung;                     /* jobs that ran into the time limit so far */
    char gave_up[JUDGE_WHY_MAX];  /* after a bomb or two hangs no job runs: why */
    int gate_done;                /* the model's own workers did the work: asked once ... */
    char gate_why[JUDGE_WHY_MAX]; /* ... and why not ("" when they did) */
    char first_hang[32];          /* the first job that hung */
    int nlanes;                   /* jobs run at once (--lanes) */
    struct lane lanes[JUDGE_LANES_MAX];
};

struct verdict {
    int pass;
    char why[JUDGE_WHY_MAX];
    const struct obs *where;
};

typedef void judge_fn(const struct judge *jd, const struct obs *o, struct verdict *v);
int cpu_settled(
    const struct obs *o); /* hygiene.c: within cpu's bounds even against a free reference */

/* A check: one entry of the registry (registry.c). */
struct check {
    const char *name;
    const char *jobs; /* comma list of job names */
    int lenient;      /* skips jobs that did not finish */
    unsigned needs;   /* model traits it needs (0: every model) ... */
    const char *skip; /* ... and the reason it is skipped without them */
    int reference;    /* also runs the suite's own model on its jobs (a yardstick) ... */
    int (*settled)(const struct obs *o); /* ... unless this says the job passes whatever it shows */
    judge_fn *judge;
};

/* registry.c */
extern const struct check CHECKS[];
extern const size_t NCHECKS;
extern const struct job_kind JOB_KINDS[];
extern const size_t NJOB_KINDS;
int list_has(const char *list, const char *name); /* "a,b,c" holds name */

/* Requests the server saw begin after the program said crawl_run returned. */
static inline long late_requests(const struct obs *o)
{
    if (!o->server_ok || o->started_at_end < 0)
        return 0;
    return o->requests + o->aborted > o->started_at_end
               ? o->requests + o->aborted - o->started_at_end
               : 0;
}

/* util.c */
double now_s(void);
struct vec {
    char *items[96];
    int n;
    char store[8192];
    size_t used;
};
void vec_add(struct vec *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void broken(struct obs *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int list_dir_ints(const char *path, int *out, int max);

/* jobs.c */
int job_for_schedule(const struct job_kind *k, const struct model_spec *m);
int rnd(struct draw *d, int lo, int hi); /* a whole number in [lo, hi], from the seed */
void describe(struct job_shape *j, const char *fmt, ...) /* the shape in words, for reasons */
    __attribute__((format(printf, 2, 3)));
void jobs_draw(struct judge *jd);
int job_applies(const struct job_shape *j, const struct model_spec *m);
void draw_regular(struct job_shape *j, struct draw *d);
void draw_ragged(struct job_shape *j, struct draw *d);
void draw_one_worker(struct job_shape *j, struct draw *d);
void draw_more_workers(struct job_shape *j, struct draw *d);
void draw_single(struct job_shape *j, struct draw *d);
void draw_empty(struct job_shape *j, struct draw *d);
void draw_uneven(struct job_shape *j, struct draw *d);
void draw_unlimited(struct job_shape *j, struct draw *d);
void draw_errors(struct job_shape *j, struct draw *d);
void draw_wrong(struct job_shape *j, struct draw *d);
void draw_refused(struct job_shape *j, struct draw *d);
void draw_timeout(struct job_shape *j, struct draw *d);
void draw_contention(struct job_shape *j, struct draw *d);
void draw_large(struct job_shape *j, struct draw *d);
void draw_faults(struct job_shape *j, struct draw *d);
void draw_twice(struct job_shape *j, struct draw *d);
void draw_caller(struct job_shape *j, struct draw *d);
void draw_deadline(struct job_shape *j, struct draw *d);
void draw_spawn_fails(struct job_shape *j, struct draw *d);

/* frontier.c: the frontier jobs' shapes (the server's --pages L
 * --per-page K, the program's --pages L instead of -n) */
void draw_lists(struct job_shape *j, struct draw *d);
void draw_one_list(struct job_shape *j, struct draw *d);
void draw_chain(struct job_shape *j, struct draw *d);
void draw_fail_list(struct job_shape *j, struct draw *d);
void draw_no_details(struct job_shape *j, struct draw *d);
void draw_slow_lists(struct job_shape *j, struct draw *d);
void draw_lists_unlimited(struct job_shape *j, struct draw *d);
void draw_lists_small(struct job_shape *j, struct draw *d);
void draw_lists_faults(struct job_shape *j, struct draw *d);
void draw_lists_twice(struct job_shape *j, struct draw *d);
void draw_lists_caller(struct job_shape *j, struct draw *d);

/* judge.c, for lanes.c */
const struct check *check_find(const char *name);
int for_schedule(const struct judge *jd, const struct check *c);
const struct job_shape *first_job(const struct judge *jd);
void give_up_after(struct judge *jd, const struct obs *o); /* after a bomb or hangs */

/* lanes.c (absent from a thread pool's handout: then JUDGE_LANES is not
 * defined and the judge runs one job at a time) */
void lanes_run(struct judge *jd, char **names, int count);
int lanes_watch_signals(struct judge *jd);

/* job.c */
void job_run(const struct judge *jd, struct lane *lane, const struct job_shape *j, struct obs *o);
void obs_free(struct obs *o);

/* sandbox.c (the signal handler's part: async-signal-safe) */
int sandbox_choose(struct judge *jd);
void job_kill_sandbox(struct lane *lane);
void job_kill_all(struct judge *jd);

/* schedule.c: ideal and fixed schedules of a list of delays; the idle
 * workers of a timeline of changes */
struct tick {
    double t;
    int inflight, pending, backoff; /* changes at t */
};
double idle_over(struct tick *t, int nt, int w, int pending, double *longest, double *at);
long uneven_seed(long first, int n, int w, int procs, long min_ms, long max_ms);
double ideal_s(const long *delays_ms, int n, int w); /* the greedy schedule, any w */

/* checks.c: what several checks share */
int in_list(const char *list, int id);
int workers(const struct obs *o); /* W as run: N when unlimited or more than N */
void fail(struct verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ran(const struct obs *o, struct verdict *v);   /* ran to its end; else fails, and why */
int ended(const struct obs *o, struct verdict *v); /* reached "end"; else fails */
int row_ok(const struct judged_row *r);
void rows_in_place(const struct obs *o, struct verdict *v);
void rows_ok(const struct obs *o, struct verdict *v, const char *fail_ids, const char *wrong_ids);
void fetched_beyond(const struct obs *o, struct verdict *v);
double server_span(const struct obs *o);
/* Timed out while the server was still answering its pages to the end:
 * too slow for the job (one at a time on a large one), not stuck. */
int still_working(const struct obs *o);

/* the judgements: checks.c (results, limits, failures), schedule.c (the
 * schedule: uneven, retries, no_idle), hygiene.c (what crawl_run leaves) */
judge_fn judge_results, judge_parallel, judge_limit, judge_unlimited, judge_http_errors,
    judge_wrong_body, judge_refused, judge_timeout, judge_empty, judge_single, judge_one_worker,
    judge_more_workers, judge_exclusion, judge_second_run, judge_spawn_fails, judge_right_process;
judge_fn judge_uneven, judge_retries, judge_no_idle;
judge_fn judge_threads_joined, judge_children_reaped, judge_fds_closed, judge_easy_handles,
    judge_cpu, judge_sanitizer, judge_caller_state;
/* frontier.c: the frontier jobs' (second_run's is judge_second_run's part) */
judge_fn judge_pages_once, judge_no_lost_pages, judge_ends, judge_overlap, judge_time,
    judge_frontier_second_run;

#endif
