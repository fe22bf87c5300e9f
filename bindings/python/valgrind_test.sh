#!/usr/bin/env bash
# The Python binding's test suite (run by test_latentdiff.py) under valgrind's memcheck, against LATENTDIFF_LIBRARY (as test_latentdiff.py).
# CPython and numpy report errors and leaks of their own under valgrind (the garbage collector's
# reads, interned objects kept to the end), so only the records whose stack passes through
# libLatentDiff count: any such error or definite/indirect leak fails the test.
#   bindings/python/valgrind_test.sh [MODEL]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
python=$(python3 -c 'import sys; print(sys.executable)')  # the interpreter, not a launcher script
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The shipped model's test alone takes a minute under valgrind; the C examples cover that model.
LATENTDIFF_TEST_SKIP_SHIPPED=1 PYTHONMALLOC=malloc valgrind --leak-check=full --show-leak-kinds=definite,indirect --num-callers=50 \
    --log-file="$log" "$python" "$here/test_latentdiff.py" "$@"
python3 - "$log" <<'PY'
import re, sys
records, current = [], []
for line in open(sys.argv[1]):
    text = re.sub(r"^==\d+== ?", "", line.rstrip("\n"))
    if text:
        current.append(text)
    elif current:
        records.append(current)
        current = []
records.append(current)
ours = [r for r in records if r and any("libLatentDiff" in l for l in r) and not r[0].startswith(("HEAP SUMMARY", "LEAK SUMMARY"))]
for record in ours:
    print("\n".join(record), end="\n\n")
others = sum(1 for r in records if r and (r[0].startswith(("Invalid", "Conditional", "Use of", "Mismatched")) or "are definitely lost" in r[0]))
print(f"valgrind: {len(ours)} record(s) in libLatentDiff; {others - len(ours)} in CPython/numpy (ignored)")
sys.exit(1 if ours else 0)
PY
