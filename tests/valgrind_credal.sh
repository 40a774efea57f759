#!/usr/bin/env bash
# credal under valgrind memcheck, for the Python-driven tests (scripts/test.sh passes this as
# --credal):  CREDAL_BIN=build/credal CREDAL_VG_LOGS=DIR tests/valgrind_credal.sh ARGS...
# Every process writes DIR/<pid>.log, which -q leaves empty unless valgrind reports something;
# the caller fails on any non-empty log (an exit status alone can hide a report behind a test
# that expects failure). exec keeps the PID, so a test's signals reach credal. The structure
# probe's child (a fork) is silent: it runs the code the parent runs next, and on the damaged
# files of tests/fuzz/findings/ it is libhdf5 crashing there, by design contained.
exec valgrind -q --log-file="${CREDAL_VG_LOGS:?}/%p.log" --leak-check=full \
  --errors-for-leak-kinds=definite --child-silent-after-fork=yes --error-exitcode=99 \
  "${CREDAL_BIN:?}" "$@"
