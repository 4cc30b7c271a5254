/* SPDX-License-Identifier: MIT */
/* judge.h -- what the judge's files share: judge.c (checks to run, the
 * command line), run.c (one job in a sandbox against its own server) and
 * checks.c (each check's judgement of what was observed). */
#ifndef JUDGE_H
#define JUDGE_H

#include <stddef.h>
#include <sys/types.h>

#define JUDGE_MAX_FDS    256  /* descriptors remembered per snapshot */
#define JUDGE_OUTPUT_MAX 2048 /* bytes of the program's output kept, as context */
#define JUDGE_WHY_MAX    400  /* one reason line */
#define JUDGE_MAX_N      3000 /* requests in the largest job */
#define JUDGE_IDS_MAX    200  /* a list of ids for the server, "3,5,7" */
#define JUDGE_MAX_KIDS   8    /* the caller's own children, remembered */
#define HYGIENE_JOBS                                                                               \
    "regular,ragged,one_worker,more_workers,single,empty,uneven,unlimited,errors,wrong,refused,"   \
    "timeout,contention,large,faults,twice"

enum flavor { FLAVOR_PLAIN, FLAVOR_ASAN, FLAVOR_TSAN, FLAVOR_COUNT };

/* What the judge must know of a model to choose its jobs and bounds. */
struct model_spec {
    const char *name;
    int pool;       /* has W workers (everything but serial) */
    int threads;    /* runs threads: ThreadSanitizer applies */
    int forks;      /* forks workers: exclusion across processes applies */
    int event_loop; /* takes -w 0 for "no limit" */
};

/* One job, its shape drawn from the grading's seed (judge.c). */
struct job_shape {
    const char *name;
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
    const char *env;               /* one more NAME=VALUE for the hooks, or NULL */
    int skip;                      /* not run for this model */
    char what[JUDGE_WHY_MAX];      /* for reasons: the shape in words */
};

/* One page request in the server's own timeline (GET /log). */
struct srv_rec {
    int id, attempt;
    double start_s, end_s; /* CLOCK_MONOTONIC, as the judge's own clock; end 0: open */
    char end;              /* 'a'nswered, 'c'ut, 'd'ropped, 'x' aborted by the client, 'o'pen */
    int status;            /* answered: its HTTP status */
    pid_t pid;             /* the process that connected (0: unknown) */
};

/* One row as the driver handed it over. */
struct row {
    int seen;
    int id, worker, status;
    long bytes;
    double start_s, end_s;
    char error[128];
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
    long calls[9];                /* judged_calls, in its order */
    int calls_seen;
    struct row *rows; /* [n] */
    int bad_rows;     /* lines that were not well-formed rows */
    /* the server, from its own counters */
    int server_ok;
    long peak, in_flight, requests, aborted, fetched_other, fetched_max;
    long started_at_end;         /* requests started when "end" came; -1 unknown */
    int *fetched;                /* [n + 1]: fetches per id */
    long delays_ms[JUDGE_MAX_N]; /* the server's per-id plan, from /plan */
    int plan_ok;
    struct srv_rec *log; /* the server's timeline of page requests */
    int nlog, log_ok;
    /* the sanitizer, from its own log file */
    char sanitizer[JUDGE_WHY_MAX];
    /* context only */
    char output[JUDGE_OUTPUT_MAX];
    size_t output_len;
};

enum {
    CALL_EASY_INITS,
    CALL_EASY_CLEANUPS,
    CALL_THREADS, /* pthread_create calls, refused ones included */
    CALL_JOINS,
    CALL_FORKS,
    CALL_PRIVATE,
    CALL_STARTED, /* threads really started */
    CALL_DETACHED,
    CALL_SANITIZER /* sanitizer reports, counted as they were made */
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
    struct obs *obs;             /* [njobs] */
    int hung;                    /* jobs that ran into the time limit so far */
    char gave_up[JUDGE_WHY_MAX]; /* after a bomb or two hangs no job runs: why */
    /* the running job, for on_signal */
    volatile pid_t running_sandbox, running_server;
    volatile uid_t running_uid;
};

struct verdict {
    int pass;
    char why[JUDGE_WHY_MAX];
    const struct obs *where;
};

struct check {
    const char *name;
    const char *jobs; /* comma list of job names */
    int lenient;      /* skips jobs that did not finish */
    void (*judge)(const struct judge *jd, const struct obs *o, struct verdict *v);
};

/* Requests the server saw begin after the program said crawl_run returned. */
static inline long late_requests(const struct obs *o)
{
    if (!o->server_ok || o->started_at_end < 0)
        return 0;
    return o->requests + o->aborted > o->started_at_end
               ? o->requests + o->aborted - o->started_at_end
               : 0;
}

/* run.c */
const char *flavor_name(enum flavor f);
int sandbox_choose(struct judge *jd);
void job_run(struct judge *jd, const struct job_shape *j, struct obs *o);
void job_kill_sandbox(struct judge *jd); /* async-signal-safe */
void job_kill_all(struct judge *jd);     /* async-signal-safe */
void obs_free(struct obs *o);

/* checks.c */
long uneven_seed(long first, int n, int w, int procs, long min_ms, long max_ms);
double greedy_s(const long *delays_ms, int n, int w);
int in_list(const char *list, int id);
void judge_results(const struct judge *jd, const struct obs *o, struct verdict *v);
void judge_parallel(const struct judge *jd, const struct obs *o, struct verdict *v);
void judge_limit(const struct judge *jd, const struct obs *o, struct verdict *v);
void judge_unlimited(const struct judge *jd, const struct obs *o, struct verdict *v);
void judge_uneven(const struct judge *jd, const struct obs *o, struct verdict *v);
void judge_http_errors(const struct judge *jd, const struct obs *o, struct verdict *v);
void judge_wrong_body(const struct judge *jd, const struct obs *o, struct verdict *v);
void judge_refused(const struct judge *jd, const struct obs *o, struct verdict *v);
void judge_timeout(const struct judge *jd, const struct obs *o, struct verdict *v);
void judge_empty(const struct judge *jd, const struct obs *o, struct verdict *v);
void judge_single(const struct judge *jd, const struct obs *o, struct verdict *v);
void judge_one_worker(const struct judge *jd, const struct obs *o, struct verdict *v);
void judge_more_workers(const struct judge *jd, const struct obs *o, struct verdict *v);
/* Timed out while the server was still answering its pages to the end:
 * too slow for the job (one at a time on a large one), not stuck. */
int still_working(const struct obs *o);
void judge_threads_joined(const struct judge *jd, const struct obs *o, struct verdict *v);
void judge_children_reaped(const struct judge *jd, const struct obs *o, struct verdict *v);
void judge_fds_closed(const struct judge *jd, const struct obs *o, struct verdict *v);
void judge_easy_handles(const struct judge *jd, const struct obs *o, struct verdict *v);
void judge_cpu(const struct judge *jd, const struct obs *o, struct verdict *v);
void judge_exclusion(const struct judge *jd, const struct obs *o, struct verdict *v);
void judge_sanitizer(const struct judge *jd, const struct obs *o, struct verdict *v);
void judge_retries(const struct judge *jd, const struct obs *o, struct verdict *v);
void judge_no_idle(const struct judge *jd, const struct obs *o, struct verdict *v);
void judge_second_run(const struct judge *jd, const struct obs *o, struct verdict *v);
void judge_caller_state(const struct judge *jd, const struct obs *o, struct verdict *v);

#endif
