"""Counts the checks of a Python test suite and prints each failure (shared by test_mpi.py and
test_structured.py, which import it from their own folder)."""


class Checker:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {what}")
        return ok
