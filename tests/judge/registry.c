/* SPDX-License-Identifier: MIT */
/* registry.c -- every kind of job and every check the judge knows, one
 * entry each; nothing else in the judge or in tests/grade.sh lists them
 * (grade.sh asks `grade-judge --list`). Both schedules are here: the
 * classic models' jobs (-n N requests) and the frontier variants' (list
 * pages that name details: frontier.c), which need MODEL_FRONTIER. A
 * model runs only the jobs of its own schedule, so a check both have (the
 * limit, cpu, the cleanup and sanitizer checks, ...) names jobs of each;
 * a check only the frontier variants have needs MODEL_FRONTIER.
 *
 * A new job: write its draw_KIND in jobs.c or frontier.c (its shape from
 * the seed), add its line to JOB_KINDS, and name it in the jobs of the
 * checks that judge it. Its place among the jobs of its schedule picks its
 * random stream: add it at the end, so every other job keeps its shapes
 * for a given seed.
 *
 * A new check: write its judge_NAME (checks.c, schedule.c, hygiene.c or
 * frontier.c), add its line to CHECKS, and give it points per model in
 * tests/rubric.conf (a check in no rubric line is never run). The build
 * it runs in follows from its jobs. */
#include "judge.h"

#include <string.h>

/* The kinds of job, in the order their shapes are drawn: name, build,
 * shape, what the hooks do in the caller's place, the model traits it
 * needs, whether its threads' wake-ups are followed all along, and
 * whether it is the gate (judge.c: whose workers did the work). */
const struct job_kind JOB_KINDS[] = {
    {"regular", FLAVOR_PLAIN, draw_regular, HOOK_NONE, 0, 1, 1},
    {"ragged", FLAVOR_PLAIN, draw_ragged, HOOK_NONE, 0, 0, 0},
    {"one_worker", FLAVOR_PLAIN, draw_one_worker, HOOK_NONE, 0, 0, 0},
    {"more_workers", FLAVOR_PLAIN, draw_more_workers, HOOK_NONE, 0, 0, 0},
    {"single", FLAVOR_PLAIN, draw_single, HOOK_NONE, 0, 0, 0},
    {"empty", FLAVOR_PLAIN, draw_empty, HOOK_NONE, 0, 0, 0},
    {"uneven", FLAVOR_PLAIN, draw_uneven, HOOK_NONE, 0, 1, 0},
    {"unlimited", FLAVOR_PLAIN, draw_unlimited, HOOK_NONE, MODEL_LOOP, 0, 0},
    {"errors", FLAVOR_PLAIN, draw_errors, HOOK_NONE, 0, 0, 0},
    {"wrong", FLAVOR_PLAIN, draw_wrong, HOOK_NONE, 0, 0, 0},
    {"refused", FLAVOR_PLAIN, draw_refused, HOOK_NONE, 0, 0, 0},
    {"timeout", FLAVOR_PLAIN, draw_timeout, HOOK_NONE, 0, 0, 0},
    {"contention", FLAVOR_PLAIN, draw_contention, HOOK_JITTER, 0, 0, 0},
    {"large", FLAVOR_PLAIN, draw_large, HOOK_NONE, 0, 0, 0},
    {"faults", FLAVOR_PLAIN, draw_faults, HOOK_NONE, 0, 0, 0},
    {"twice", FLAVOR_PLAIN, draw_twice, HOOK_TWICE, 0, 0, 0},
    {"caller", FLAVOR_PLAIN, draw_caller, HOOK_CALLER, 0, 0, 0},
    {"asan_regular", FLAVOR_ASAN, draw_regular, HOOK_NONE, 0, 0, 0},
    {"asan_faults", FLAVOR_ASAN, draw_faults, HOOK_NONE, 0, 0, 0},
    {"asan_timeout", FLAVOR_ASAN, draw_timeout, HOOK_NONE, 0, 0, 0},
    {"tsan_regular", FLAVOR_TSAN, draw_regular, HOOK_NONE, MODEL_THREADS, 0, 0},
    {"tsan_ragged", FLAVOR_TSAN, draw_ragged, HOOK_NONE, MODEL_THREADS, 0, 0},
    {"tsan_faults", FLAVOR_TSAN, draw_faults, HOOK_NONE, MODEL_THREADS, 0, 0},
    {"deadline", FLAVOR_PLAIN, draw_deadline, HOOK_NONE, 0, 0, 0},
    {"spawn_fails", FLAVOR_PLAIN, draw_spawn_fails, HOOK_SPAWN, MODEL_POOL, 0, 0},
    /* the frontier variants' (frontier.c) */
    {"lists", FLAVOR_PLAIN, draw_lists, HOOK_NONE, MODEL_FRONTIER, 0, 0},
    {"chain", FLAVOR_PLAIN, draw_chain, HOOK_NONE, MODEL_FRONTIER, 0, 0},
    {"fail_list", FLAVOR_PLAIN, draw_fail_list, HOOK_NONE, MODEL_FRONTIER, 0, 0},
    {"no_details", FLAVOR_PLAIN, draw_no_details, HOOK_NONE, MODEL_FRONTIER, 0, 0},
    {"slow_lists", FLAVOR_PLAIN, draw_slow_lists, HOOK_NONE, MODEL_FRONTIER, 1, 0},
    {"lists_unlimited", FLAVOR_PLAIN, draw_lists_unlimited, HOOK_NONE, MODEL_FRONTIER | MODEL_LOOP,
     0, 0},
    {"lists_twice", FLAVOR_PLAIN, draw_lists_twice, HOOK_TWICE, MODEL_FRONTIER, 0, 0},
    {"lists_caller", FLAVOR_PLAIN, draw_lists_caller, HOOK_CALLER, MODEL_FRONTIER, 0, 0},
    {"asan_lists", FLAVOR_ASAN, draw_lists_faults, HOOK_NONE, MODEL_FRONTIER, 0, 0},
    {"tsan_lists", FLAVOR_TSAN, draw_lists_faults, HOOK_NONE, MODEL_FRONTIER | MODEL_THREADS, 0, 0},
    {"one_list", FLAVOR_PLAIN, draw_one_list, HOOK_NONE, MODEL_FRONTIER, 0, 0},
};
const size_t NJOB_KINDS = sizeof JOB_KINDS / sizeof JOB_KINDS[0];

/* What crawl_run leaves behind is looked at after every job of the plain
 * build but the caller's (its own children are the caller's), of either
 * schedule. */
#define AFTER_EVERY_JOB                                                                            \
    "regular,ragged,one_worker,more_workers,single,empty,uneven,unlimited,errors,wrong,refused,"   \
    "timeout,contention,large,faults,twice,deadline,spawn_fails,"                                  \
    "lists,chain,fail_list,no_details,slow_lists,lists_unlimited,lists_twice"

/* The reason a frontier variant's own check is skipped for a classic model. */
#define FRONTIER_ONLY "only the frontier variants crawl list pages that lead to details"

/* The checks. A lenient one looks past a job that crashed or hung (its own
 * check already failed there) and judges the jobs that finished; it fails
 * only when none did. So one mistake costs the points of its own checks. */
const struct check CHECKS[] = {
    {.name = "results", .jobs = "regular,ragged,contention,large", .judge = judge_results},
    {.name = "parallel",
     .jobs = "regular,ragged",
     .needs = MODEL_POOL,
     .skip = "a serial model has no parallelism to check",
     .judge = judge_parallel},
    {.name = "limit",
     .jobs = "regular,ragged,one_worker,more_workers,uneven,contention,errors,large,lists,"
             "fail_list,slow_lists",
     .lenient = 1,
     .judge = judge_limit},
    {.name = "unlimited",
     .jobs = "unlimited",
     .needs = MODEL_LOOP,
     .skip = "only an event loop takes -w 0",
     .judge = judge_unlimited},
    {.name = "uneven",
     .jobs = "uneven",
     .needs = MODEL_POOL,
     .skip = "a serial model has no schedule to check",
     .judge = judge_uneven},
    {.name = "http_errors", .jobs = "errors", .judge = judge_http_errors},
    {.name = "wrong_body", .jobs = "wrong", .judge = judge_wrong_body},
    {.name = "refused", .jobs = "refused", .judge = judge_refused},
    {.name = "timeout", .jobs = "timeout,deadline", .judge = judge_timeout},
    {.name = "empty", .jobs = "empty", .judge = judge_empty},
    {.name = "single", .jobs = "single", .judge = judge_single},
    {.name = "one_worker", .jobs = "one_worker", .judge = judge_one_worker},
    {.name = "more_workers", .jobs = "more_workers", .judge = judge_more_workers},
    {.name = "threads_joined",
     .jobs = AFTER_EVERY_JOB,
     .lenient = 1,
     .judge = judge_threads_joined},
    {.name = "children_reaped",
     .jobs = AFTER_EVERY_JOB,
     .lenient = 1,
     .judge = judge_children_reaped},
    {.name = "fds_closed", .jobs = AFTER_EVERY_JOB, .lenient = 1, .judge = judge_fds_closed},
    {.name = "easy_handles", .jobs = AFTER_EVERY_JOB, .lenient = 1, .judge = judge_easy_handles},
    {.name = "cpu",
     .jobs = "uneven,regular,faults,slow_lists",
     .lenient = 1,
     .reference = 1,
     .settled = cpu_settled,
     .judge = judge_cpu},
    {.name = "exclusion",
     .jobs = "contention,regular,ragged,large",
     .lenient = 1,
     .needs = MODEL_FORKS,
     .skip = "exclusion across processes: the forked models",
     .judge = judge_exclusion},
    {.name = "memory",
     .jobs = "asan_regular,asan_faults,asan_timeout,asan_lists",
     .lenient = 1,
     .judge = judge_sanitizer},
    {.name = "race",
     .jobs = "tsan_regular,tsan_ragged,tsan_faults,tsan_lists",
     .lenient = 1,
     .needs = MODEL_THREADS,
     .skip = "ThreadSanitizer checks the threaded model",
     .judge = judge_sanitizer},
    {.name = "retries", .jobs = "faults,deadline", .judge = judge_retries},
    {.name = "no_idle",
     .jobs = "regular,ragged,uneven,faults",
     .lenient = 1,
     .judge = judge_no_idle},
    {.name = "second_run", .jobs = "twice,lists_twice", .judge = judge_second_run},
    {.name = "spawn_fails",
     .jobs = "spawn_fails",
     .needs = MODEL_POOL,
     .skip = "a serial model starts no thread or process",
     .judge = judge_spawn_fails},
    {.name = "caller_state",
     .jobs = "caller,regular,errors,lists_caller,lists",
     .lenient = 1,
     .judge = judge_caller_state},
    /* the frontier variants' own (frontier.c) */
    {.name = "pages_once",
     .jobs = "lists,chain,lists_unlimited,one_list",
     .needs = MODEL_FRONTIER,
     .skip = FRONTIER_ONLY,
     .judge = judge_pages_once},
    {.name = "no_lost_pages",
     .jobs = "slow_lists",
     .needs = MODEL_FRONTIER,
     .skip = FRONTIER_ONLY,
     .judge = judge_no_lost_pages},
    {.name = "ends",
     .jobs = "fail_list,no_details",
     .needs = MODEL_FRONTIER,
     .skip = FRONTIER_ONLY,
     .judge = judge_ends},
    {.name = "overlap",
     .jobs = "lists",
     .lenient = 1,
     .needs = MODEL_FRONTIER | MODEL_POOL,
     .skip = "one at a time, lists are fetched before the details they name (and only the "
             "frontier variants crawl list pages)",
     .judge = judge_overlap},
    {.name = "time",
     .jobs = "lists,slow_lists",
     .lenient = 1,
     .needs = MODEL_FRONTIER,
     .skip = FRONTIER_ONLY,
     .judge = judge_time},
};
const size_t NCHECKS = sizeof CHECKS / sizeof CHECKS[0];

int list_has(const char *list, const char *name)
{
    size_t len = strlen(name);

    for (const char *p = list; (p = strstr(p, name)) != NULL; p += len) {
        if ((p == list || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
            return 1;
    }
    return 0;
}
