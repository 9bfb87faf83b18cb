#!/usr/bin/env python3
"""Counts test cases across meson JUnit logs and prints 'N passed, M failed'.

meson reports one result per test program; GoogleTest programs (protocol: gtest) contribute one
<testcase> per TEST, which is the number a reader expects. Usage: test_summary.py LOG.xml ...
"""
import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        print(f"test_summary: cannot read {path}: {e}", file=sys.stderr)
        failed += 1
        continue
    for suite in root.iter("testsuite"):
        for case in suite.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            elif case.find("skipped") is not None:
                skipped += 1
            else:
                passed += 1
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
