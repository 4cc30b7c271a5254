/* SPDX-License-Identifier: MIT */
/* test_common.c -- the shared module without a server: job URLs, the body
 * check, the command line (good and bad values) and the reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const struct model pool_model = {
    .name = "threadpool", .default_workers = 10, .min_workers = 1, .max_workers = 1000};
static const struct model async_model = {
    .name = "async", .default_workers = 0, .min_workers = 0, .max_workers = CRAWL_COUNT_MAX};
static const struct model serial_model = {
    .name = "serial", .default_workers = 1, .min_workers = 1, .max_workers = 1};
static const struct model hybrid_model = {.name = "hybrid",
                                          .default_workers = 0,
                                          .min_workers = 0,
                                          .max_workers = CRAWL_COUNT_MAX,
                                          .takes_processes = 1};

/* ---- job URLs and the body check ---- */

static void test_common_url_names_the_id(void **state)
{
    char url[CRAWL_URL_MAX];

    (void)state;
    assert_int_equal(job_url("http://127.0.0.1:9", 42, url, sizeof url), 0);
    assert_string_equal(url, "http://127.0.0.1:9/detail/42");
}

static void test_common_url_too_long_is_refused(void **state)
{
    char url[24];

    (void)state;
    assert_int_equal(job_url("http://127.0.0.1:9", 1, url, sizeof url), -1);
}

static void test_common_body_check(void **state)
{
    const char *page7 = "{\"id\":7,\"url\":\"/detail/7\",\"delay_ms\":50}\n";

    (void)state;
    assert_true(body_names_id(page7, strlen(page7), 7));
    assert_false(body_names_id(page7, strlen(page7), 8));  /* a wrong page */
    assert_false(body_names_id(page7, strlen(page7), 70)); /* 7 is not 70 */
    assert_false(body_names_id("{\"id\":70,", 9, 7));      /* nor 70 7 */
    assert_false(body_names_id(page7, 5, 7));              /* cut short */
    assert_false(body_names_id("", 0, 7));
    assert_false(body_names_id("<h1>Hello World</h1>", 20, 7));
}

static void test_common_result_ok_needs_200_and_no_error(void **state)
{
    struct result r = {.id = 1, .status = 200};

    (void)state;
    assert_true(result_ok(&r));
    result_fail(&r, "wrong page: %d", 1);
    assert_false(result_ok(&r));
    r.error[0] = '\0';
    r.status = 500;
    assert_false(result_ok(&r));
}

static void test_common_error_text_is_truncated_not_overflowed(void **state)
{
    struct result r = {0};
    char longer[CRAWL_ERR_MAX * 2];

    (void)state;
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    result_fail(&r, "%s", longer);
    assert_int_equal(strlen(r.error), CRAWL_ERR_MAX - 1);
}

/* ---- the command line ---- */

/* Parse a NULL-terminated argument list for model m. */
static enum cli_action parse(const struct model *m, struct options *opt, char *err,
                             const char *const *args)
{
    char *argv[16];
    int argc = 0;

    argv[argc++] = (char *)"crawl-test";
    while (*args && argc < 15)
        argv[argc++] = (char *)*args++;
    argv[argc] = NULL;
    err[0] = '\0';
    return cli_parse(argc, argv, m, opt, err, 256);
}

static void test_common_cli_defaults(void **state)
{
    struct options opt;
    char err[256];
    const char *none[] = {NULL};

    (void)state;
    assert_int_equal(parse(&pool_model, &opt, err, none), CLI_RUN);
    assert_string_equal(opt.job.base_url, "http://127.0.0.1:8080");
    assert_int_equal(opt.job.n, 100);
    assert_int_equal(opt.job.nworkers, 10);
    assert_int_equal(opt.job.timeout_ms, 30000);
    assert_int_equal(opt.format, FORMAT_TEXT);
    assert_null(opt.records);
    assert_int_equal(opt.job.retries, 0);
    assert_int_equal(opt.job.work_us, 0);
    assert_int_equal(opt.job.nprocs, 0);
    assert_null(opt.job.proxy); /* no proxy, whatever http_proxy says */
    assert_int_equal(parse(&async_model, &opt, err, none), CLI_RUN);
    assert_int_equal(opt.job.nworkers, 0); /* async: unlimited by default */
    assert_int_equal(parse(&hybrid_model, &opt, err, none), CLI_RUN);
    assert_int_equal(opt.job.nprocs, (int)sysconf(_SC_NPROCESSORS_ONLN)); /* a process a core */
}

static void test_common_cli_lesson_options(void **state)
{
    struct options opt;
    char err[256];
    const char *args[] = {"--retries",          "6", "--work-us", "2000", "--proxy",
                          "http://127.0.0.1:9", NULL};
    const char *procs[] = {"-p", "3", "-w", "4", NULL};

    (void)state;
    assert_int_equal(parse(&pool_model, &opt, err, args), CLI_RUN);
    assert_int_equal(opt.job.retries, 6);
    assert_int_equal(opt.job.work_us, 2000);
    assert_string_equal(opt.job.proxy, "http://127.0.0.1:9");
    assert_int_equal(parse(&hybrid_model, &opt, err, procs), CLI_RUN);
    assert_int_equal(opt.job.nprocs, 3);
    assert_int_equal(opt.job.nworkers, 4);
}

static void test_common_cli_good_values(void **state)
{
    struct options opt;
    char err[256];
    const char *args[] = {"--url",
                          "http://127.0.0.1:4000/",
                          "-n",
                          "7",
                          "-w",
                          "3",
                          "--timeout-ms",
                          "250",
                          "--format",
                          "csv",
                          "--records",
                          "r.csv",
                          NULL};

    (void)state;
    assert_int_equal(parse(&pool_model, &opt, err, args), CLI_RUN);
    assert_string_equal(opt.job.base_url, "http://127.0.0.1:4000"); /* slash dropped */
    assert_int_equal(opt.job.n, 7);
    assert_int_equal(opt.job.nworkers, 3);
    assert_int_equal(opt.job.timeout_ms, 250);
    assert_int_equal(opt.format, FORMAT_CSV);
    assert_string_equal(opt.records, "r.csv");
}

static void test_common_cli_serial_ignores_workers(void **state)
{
    struct options opt;
    char err[256];
    const char *args[] = {"-w", "8", NULL};
    const char *zero[] = {"-w", "0", NULL};

    (void)state;
    assert_int_equal(parse(&serial_model, &opt, err, args), CLI_RUN);
    assert_int_equal(opt.job.nworkers, 1);
    assert_int_equal(parse(&serial_model, &opt, err, zero), CLI_USAGE);
    assert_non_null(strstr(err, "--workers must be a positive integer"));
}

/* Each bad command line: refused, and the one line names the flag. */
static void test_common_cli_bad_values(void **state)
{
    static const struct {
        const char *args[4];
        const char *says;
    } bad[] = {
        {{"-n", "-1"}, "--count must be an integer 0..100000"},
        {{"-n", "abc"}, "--count"},
        {{"-n", "12x"}, "--count"},
        {{"-n", "100001"}, "--count"},
        {{"-n", "99999999999999999999"}, "--count"},
        {{"-w", "0"}, "--workers must be an integer 1..1000 for the threadpool model"},
        {{"-w", "1001"}, "--workers"},
        {{"--workers", ""}, "--workers"},
        {{"--timeout-ms", "0"}, "--timeout-ms must be an integer 1..3600000"},
        {{"--format", "json"}, "--format must be text or csv"},
        {{"--url", "ftp://x"}, "--url must start with http://"},
        {{"--bogus"}, "unknown option --bogus"},
        {{"-x"}, "unknown option -x"},
        {{"--count"}, "option --count needs a value"},
        {{"--help=x"}, "option --help takes no value"},
        {{"-n", "5", "extra"}, "unexpected argument \"extra\""},
        {{"--url", "http://"}, "--url must start with http://"},
        {{"--url", "file:///etc/passwd"}, "--url must start with http://"},
        {{"--retries", "21"}, "--retries must be an integer 0..20"},
        {{"--retries", "-1"}, "--retries"},
        {{"--work-us", "x"}, "--work-us must be an integer 0..10000000"},
        {{"--proxy", "socks5://x"}, "--proxy must be an http:// URL"},
        {{"-p", "2"}, "--processes is the hybrid model's option; the threadpool model"},
        {{"--processes", "2"}, "--processes is the hybrid model's option"},
    };
    struct options opt;
    char err[256];

    (void)state;
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        assert_int_equal(parse(&pool_model, &opt, err, bad[k].args), CLI_USAGE);
        if (!strstr(err, bad[k].says))
            fail_msg("case %zu: \"%s\" does not say \"%s\"", k, err, bad[k].says);
        assert_null(strchr(err, '\n')); /* one line: main adds the newline */
    }
}

static void test_common_cli_long_url_is_refused(void **state)
{
    struct options opt;
    char err[256], url[CRAWL_URL_MAX + 8];
    const char *args[] = {"--url", url, NULL};

    (void)state;
    strcpy(url, "http://");
    memset(url + 7, 'a', sizeof url - 8);
    url[sizeof url - 1] = '\0';
    assert_int_equal(parse(&pool_model, &opt, err, args), CLI_USAGE);
    assert_non_null(strstr(err, "--url is too long"));
}

/* ---- reports ---- */

/* Run a report function into memory and return what it wrote (freed by caller). */
static char *capture(void (*write_fn)(FILE *, void *), void *arg)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buf, &size);

    assert_non_null(out);
    write_fn(out, arg);
    assert_int_equal(fclose(out), 0);
    return buf;
}

static const struct job sample_job = {
    .base_url = "http://127.0.0.1:1", .n = 3, .nworkers = 2, .timeout_ms = 1000, .work_us = 500};
static const struct cost sample_cost = {.wall_s = 1.5,
                                        .cpu_s = 0.25,
                                        .max_rss_kb = 9000,
                                        .child_max_rss_kb = 3000,
                                        .children = 2,
                                        .children_pss_kb = 1200};

static void write_csv(FILE *out, void *arg)
{
    struct tally t = tally_results(arg, 3);

    report_csv(out, &pool_model, &sample_job, &t, &sample_cost);
}

static void write_records(FILE *out, void *arg)
{
    assert_int_equal(records_write(out, arg, 3, 100.0), 0);
}

static void sample_results(struct result res[3])
{
    memset(res, 0, 3 * sizeof *res);
    for (int i = 0; i < 3; i++)
        res[i] = (struct result){.id = i + 1,
                                 .worker = i % 2,
                                 .status = 200,
                                 .bytes = 40,
                                 .attempts = 1 + i,
                                 .start_s = 100.0 + i,
                                 .end_s = 100.5 + i};
    res[2].status = 500;
    result_fail(&res[2], "HTTP 500, \"retry\"");
}

static void test_common_csv_row_has_the_columns(void **state)
{
    struct result res[3];
    char *text;

    (void)state;
    sample_results(res);
    text = capture(write_csv, res);
    assert_string_equal(text, "model,requests,workers,ok,failed,wall_s,cpu_s,max_rss_kb,"
                              "child_max_rss_kb,attempts,processes,children,children_pss_kb,"
                              "work_us\n"
                              "threadpool,3,2,2,1,1.500000,0.250000,9000,3000,6,0,2,1200,500\n");
    free(text);
}

static void test_common_records_one_row_per_request(void **state)
{
    struct result res[3];
    char *text;

    (void)state;
    sample_results(res);
    res[1].kind = PAGE_LIST;
    text = capture(write_records, res);
    assert_string_equal(text,
                        "id,kind,worker,start_s,end_s,status,bytes,attempts,error\n"
                        "1,detail,0,0.000000,0.500000,200,40,1,\n"
                        "2,list,1,1.000000,1.500000,200,40,2,\n"
                        "3,detail,0,2.000000,2.500000,500,40,3,\"HTTP 500, \"\"retry\"\"\"\n");
    free(text);
}

static void test_common_tally_counts_failures(void **state)
{
    struct result res[3];
    struct tally t;

    (void)state;
    sample_results(res);
    t = tally_results(res, 3);
    assert_int_equal(t.ok, 2);
    assert_int_equal(t.failed, 1);
    assert_int_equal(t.attempts, 6); /* 1 + 2 + 3: every attempt, each row once */
}

/* Exponential: 50, 100, 200 ... ms, capped at 1 s, times a jitter in [0.5, 1). */
static void test_common_backoff_doubles_with_jitter(void **state)
{
    unsigned seed = 7;

    (void)state;
    for (int round = 0; round < 200; round++) {
        for (int attempt = 1; attempt <= 8; attempt++) {
            double full = attempt >= 6 ? 1.0 : 0.050 * (1 << (attempt - 1));
            double wait = backoff_s(attempt, &seed);

            if (wait < full * 0.5 || wait >= full)
                fail_msg("attempt %d waits %.4f s, not in [%.4f, %.4f)", attempt, wait, full * 0.5,
                         full);
        }
    }
}

static double thread_cpu_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --work-us is CPU time, not a sleep: this thread's CPU clock moves by at
 * least the amount asked for; and the same body gives the same digest
 * for the same number of rounds (an empty body still does work). */
static void test_common_cpu_work_uses_the_cpu(void **state)
{
    const char body[] = "{\"id\":1,\"delay_ms\":50}";
    double t0 = thread_cpu_s();

    (void)state;
    cpu_work(body, sizeof body - 1, 20000);
    assert_true(thread_cpu_s() - t0 >= 0.020);
    t0 = thread_cpu_s();
    cpu_work("", 0, 5000);
    assert_true(thread_cpu_s() - t0 >= 0.005);
}

/* A list page's links, in order: details and lists; anything else skipped. */
static void test_common_links_read_from_a_list_page(void **state)
{
    const char page[] = "<!doctype html><title>list 2</title>\n<ul>\n"
                        "<li><a href=\"/detail/75\">item 75</a></li>\n"
                        "<li><a href=\"/elsewhere/3\">x</a> <a href=\"/detail/7x\">y</a></li>\n"
                        "<li><a href=\"/detail/0\">zero</a> <a href=\"/detail/100001\">big</a>\n"
                        "<li><a href=\"/detail/4\">item 4</a></li>\n</ul>\n"
                        "<a rel=\"next\" href=\"/list/3\">next</a>\n<a href=\"/detail/9";
    struct page_ref links[8];

    (void)state;
    assert_true(body_names_list(page, sizeof page - 1, 2));
    assert_false(body_names_list(page, sizeof page - 1, 20)); /* 2 is not 20 */
    assert_int_equal(page_links(page, sizeof page - 1, links, 8), 3);
    assert_int_equal(links[0].kind, PAGE_DETAIL);
    assert_int_equal(links[0].id, 75);
    assert_int_equal(links[1].id, 4);
    assert_int_equal(links[2].kind, PAGE_LIST);
    assert_int_equal(links[2].id, 3);
    assert_int_equal(page_links(page, sizeof page - 1, links, 1), 1); /* at most max */
    assert_int_equal(page_links(page, 20, links, 8), 0);              /* cut before any */
}

static void test_common_page_set_queues_each_page_once(void **state)
{
    struct page_set *seen = calloc(1, sizeof *seen);
    struct page_ref d7 = {PAGE_DETAIL, 7}, l7 = {PAGE_LIST, 7}, bad = {PAGE_LIST, 0};
    struct page_ref last = {PAGE_DETAIL, CRAWL_COUNT_MAX}, over = {PAGE_LIST, CRAWL_LISTS_MAX + 1};

    (void)state;
    assert_non_null(seen);
    assert_true(page_set_add(seen, &d7));
    assert_false(page_set_add(seen, &d7));
    assert_true(page_set_add(seen, &l7)); /* list 7 is another page than detail 7 */
    assert_true(page_set_add(seen, &last));
    assert_false(page_set_add(seen, &last));
    assert_false(page_set_add(seen, &bad));
    assert_false(page_set_add(seen, &over));
    free(seen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_common_url_names_the_id),
        cmocka_unit_test(test_common_url_too_long_is_refused),
        cmocka_unit_test(test_common_body_check),
        cmocka_unit_test(test_common_result_ok_needs_200_and_no_error),
        cmocka_unit_test(test_common_error_text_is_truncated_not_overflowed),
        cmocka_unit_test(test_common_cli_defaults),
        cmocka_unit_test(test_common_cli_good_values),
        cmocka_unit_test(test_common_cli_lesson_options),
        cmocka_unit_test(test_common_cli_serial_ignores_workers),
        cmocka_unit_test(test_common_cli_bad_values),
        cmocka_unit_test(test_common_cli_long_url_is_refused),
        cmocka_unit_test(test_common_csv_row_has_the_columns),
        cmocka_unit_test(test_common_records_one_row_per_request),
        cmocka_unit_test(test_common_tally_counts_failures),
        cmocka_unit_test(test_common_backoff_doubles_with_jitter),
        cmocka_unit_test(test_common_cpu_work_uses_the_cpu),
        cmocka_unit_test(test_common_links_read_from_a_list_page),
        cmocka_unit_test(test_common_page_set_queues_each_page_once),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
