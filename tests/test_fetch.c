/* SPDX-License-Identifier: MIT */
/* test_fetch.c -- the one blocking fetch every model uses, against a real
 * delay-server on a free port: success, the errors it must tell apart, and
 * connection reuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "crawl.h"
#include "server_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DELAY_S 0.05

struct fixture {
    struct server srv;
    struct fetch f;
};

static int group_setup(void **state)
{
    static const char *const args[] = {"--delay-ms",  "50", "--fail-ids", "3",
                                       "--wrong-ids", "5",  NULL};
    struct fixture *fx = calloc(1, sizeof *fx);

    if (!fx || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
        server_start(&fx->srv, args) != 0) {
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int group_teardown(void **state)
{
    struct fixture *fx = *state;
    int status = server_stop(&fx->srv);

    free(fx);
    curl_global_cleanup();
    return status == 0 ? 0 : -1; /* a sanitizer report in the server fails here */
}

static int handle_setup(void **state)
{
    struct fixture *fx = *state;

    return fetch_init(&fx->f, 7);
}

static int handle_teardown(void **state)
{
    struct fixture *fx = *state;

    fetch_cleanup(&fx->f);
    return 0;
}

static struct job job_for(const char *url, long timeout_ms)
{
    return (struct job){.base_url = url, .n = 10, .nworkers = 1, .timeout_ms = timeout_ms};
}

static void test_fetch_one_ok(void **state)
{
    struct fixture *fx = *state;
    struct job job = job_for(fx->srv.url, 5000);
    struct result r;

    fetch_one(&fx->f, &job, 0, &r);
    assert_string_equal(r.error, "");
    assert_true(result_ok(&r));
    assert_int_equal(r.id, 1);
    assert_int_equal(r.worker, 7);
    assert_int_equal(r.status, 200);
    assert_true(r.bytes > 0);
    assert_true(r.end_s - r.start_s >= DELAY_S); /* never before the delay */
    assert_true(r.end_s - r.start_s < DELAY_S + 2.0);
}

static void test_fetch_http_error_is_a_failure(void **state)
{
    struct fixture *fx = *state;
    struct job job = job_for(fx->srv.url, 5000);
    struct result r;

    fetch_one(&fx->f, &job, 2, &r); /* id 3 is in --fail-ids */
    assert_int_equal(r.id, 3);
    assert_int_equal(r.status, 500);
    assert_string_equal(r.error, "HTTP 500");
    assert_false(result_ok(&r));
}

static void test_fetch_wrong_page_is_a_failure(void **state)
{
    struct fixture *fx = *state;
    struct job job = job_for(fx->srv.url, 5000);
    struct result r;

    fetch_one(&fx->f, &job, 4, &r); /* id 5 is in --wrong-ids: the page of 6 */
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.error, "wrong page"));
    assert_false(result_ok(&r));
}

static void test_fetch_reuses_the_connection(void **state)
{
    struct fixture *fx = *state;
    struct job job = job_for(fx->srv.url, 5000);
    struct result r;
    long new_connections = -1;

    fetch_one(&fx->f, &job, 0, &r);
    fetch_one(&fx->f, &job, 1, &r);
    assert_true(result_ok(&r));
    assert_int_equal(curl_easy_getinfo(fx->f.easy, CURLINFO_NUM_CONNECTS, &new_connections),
                     CURLE_OK);
    assert_int_equal(new_connections, 0); /* the second request rode the first's connection */
}

/* A port that nothing listens on: bound by us a moment ago, then released. */
static int closed_port(void)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
    close(fd);
    return ntohs(addr.sin_port);
}

static void test_fetch_refused_connection_is_a_failure(void **state)
{
    struct fixture *fx = *state;
    char url[64];
    struct job job;
    struct result r;

    snprintf(url, sizeof url, "http://127.0.0.1:%d", closed_port());
    job = job_for(url, 5000);
    fetch_one(&fx->f, &job, 0, &r);
    assert_int_equal(r.status, 0);
    assert_string_not_equal(r.error, "");
    assert_true(r.end_s - r.start_s < 2.0); /* refused at once, not timed out */
}

static void test_fetch_timeout_is_a_failure(void **state)
{
    struct fixture *fx = *state;
    static const char *const slow[] = {"--delay-ms", "3000", NULL};
    struct server srv;
    struct job job;
    struct result r;

    assert_int_equal(server_start(&srv, slow), 0);
    job = job_for(srv.url, 100);
    fetch_one(&fx->f, &job, 0, &r);
    assert_int_equal(server_stop(&srv), 0);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.error, "imed out")); /* curl: "Operation timed out ..." */
    assert_true(r.end_s - r.start_s >= 0.1);
    assert_true(r.end_s - r.start_s < 2.5); /* well before the 3 s answer */
}

static void test_fetch_url_too_long_is_a_failure(void **state)
{
    struct fixture *fx = *state;
    char url[CRAWL_URL_MAX];
    struct job job;
    struct result r;

    memset(url, 'a', sizeof url - 1);
    url[sizeof url - 1] = '\0';
    job = job_for(url, 5000);
    assert_int_equal(fetch_start(&fx->f, &job, 0, &r), -1);
    assert_int_equal(r.id, 1);
    assert_string_not_equal(r.error, "");
    assert_null(fx->f.res); /* the slot is free again */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fetch_one_ok, handle_setup, handle_teardown),
        cmocka_unit_test_setup_teardown(test_fetch_http_error_is_a_failure, handle_setup,
                                        handle_teardown),
        cmocka_unit_test_setup_teardown(test_fetch_wrong_page_is_a_failure, handle_setup,
                                        handle_teardown),
        cmocka_unit_test_setup_teardown(test_fetch_reuses_the_connection, handle_setup,
                                        handle_teardown),
        cmocka_unit_test_setup_teardown(test_fetch_refused_connection_is_a_failure, handle_setup,
                                        handle_teardown),
        cmocka_unit_test_setup_teardown(test_fetch_timeout_is_a_failure, handle_setup,
                                        handle_teardown),
        cmocka_unit_test_setup_teardown(test_fetch_url_too_long_is_a_failure, handle_setup,
                                        handle_teardown),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
