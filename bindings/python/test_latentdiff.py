"""Runs the Python package's test suite (tests/test_latentdiff.py) without pytest, against the
module of this source tree: what scripts/test.sh runs plain, under valgrind (valgrind_test.sh)
and under AddressSanitizer, with LATENTDIFF_LIBRARY naming the library to test.
    python3 bindings/python/test_latentdiff.py [MODEL]     (after `make -C examples-c all`)"""
import importlib.util
import os
import sys
import time
import unittest

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "src"))
if len(sys.argv) > 1:
    os.environ["LATENTDIFF_TEST_MODEL"] = sys.argv[1]

import latentdiff  # noqa: E402

spec = importlib.util.spec_from_file_location("latentdiff_tests", os.path.join(here, "tests", "test_latentdiff.py"))
tests = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tests)


def main():
    print(f"LatentDiff {latentdiff.__version__} from {latentdiff.library_path}")
    passed = skipped = 0
    for name in [n for n in vars(tests) if n.startswith("test_")]:
        started = time.monotonic()
        try:
            getattr(tests, name)()
        except unittest.SkipTest as reason:
            skipped += 1
            print(f"skip {name}: {reason}")
            continue
        passed += 1
        print(f"ok   {name} ({time.monotonic() - started:.2f} s)")
    print(f"python binding: {passed} passed, {skipped} skipped")


if __name__ == "__main__":
    main()
