/* cmocka_tap.h: the includes every C test needs, and the TAP main().
 *
 * cmocka prints TAP (one "ok N - name" line per test) when asked, which is
 * what automake's tap-driver.sh reads; each test program runs one group.
 */
#ifndef NN_CMOCKA_TAP_H
#define NN_CMOCKA_TAP_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define RUN_TAP_GROUP(name, tests)                                           \
    int main(void)                                                           \
    {                                                                        \
        cmocka_set_message_output(CM_OUTPUT_TAP);                            \
        return cmocka_run_group_tests_name(name, tests, NULL, NULL);         \
    }

/* Assert a status is NN_OK, showing the core's message if not. */
#define assert_ok(expr)                                                      \
    do {                                                                     \
        nn_status assert_ok_status_ = (expr);                                \
        if (assert_ok_status_ != NN_OK)                                      \
            fail_msg("%s failed: %s", #expr, nn_last_error());              \
    } while (0)

#endif
