/* The CLI's argument parsers. */
#include <check.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "testutil.h"

START_TEST(test_sizes) {
  uint64_t v;
  ck_assert_int_eq(credal__parse_size("1048576", &v), 0);
  ck_assert_uint_eq(v, 1048576);
  ck_assert_int_eq(credal__parse_size("64MiB", &v), 0);
  ck_assert_uint_eq(v, 64ull << 20);
  ck_assert_int_eq(credal__parse_size("2G", &v), 0);
  ck_assert_uint_eq(v, 2ull << 30);
  ck_assert_int_eq(credal__parse_size("512k", &v), 0);
  ck_assert_uint_eq(v, 512ull << 10);
  ck_assert_int_eq(credal__parse_size("3TB", &v), 0);
  ck_assert_uint_eq(v, 3ull << 40);
  ck_assert_int_eq(credal__parse_size("", &v), -1);
  ck_assert_int_eq(credal__parse_size("-5", &v), -1);
  ck_assert_int_eq(credal__parse_size("12X", &v), -1);
  ck_assert_int_eq(credal__parse_size("12MiBs", &v), -1);
  ck_assert_int_eq(credal__parse_size("99999999999999999999", &v), -1);
  ck_assert_int_eq(credal__parse_size("20000000P", &v), -1); /* overflows 64 bits */
}
END_TEST

START_TEST(test_integers_and_reals) {
  int64_t i;
  double d;
  ck_assert_int_eq(credal__parse_int("42", 0, 100, &i), 0);
  ck_assert_int_eq(i, 42);
  ck_assert_int_eq(credal__parse_int("101", 0, 100, &i), -1);
  ck_assert_int_eq(credal__parse_int("4x", 0, 100, &i), -1);
  ck_assert_int_eq(credal__parse_int("", 0, 100, &i), -1);
  ck_assert_int_eq(credal__parse_double("0.25", &d), 0);
  ck_assert(d == 0.25);
  ck_assert_int_eq(credal__parse_double("nan", &d), -1);
  ck_assert_int_eq(credal__parse_double("1e999", &d), -1);
  ck_assert_int_eq(credal__parse_double("1.5.", &d), -1);
}
END_TEST

int main(void) {
  Suite *s = suite_create("args");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_sizes);
  tcase_add_test(tc, test_integers_and_reals);
  suite_add_tcase(s, tc);
  return test_run(s);
}
