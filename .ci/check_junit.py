"""Fail CI when PostgreSQL or browser tests were skipped or did not run at all."""
import sys
import xml.etree.ElementTree as ET


def main(path: str) -> int:
    cases = ET.parse(path).getroot().iter("testcase")
    ran = {"postgres": 0, "browser": 0}
    skipped = []
    for case in cases:
        name = f"{case.get('classname')}::{case.get('name')}"
        kinds = [k for k in ran if (k == "postgres" and "[postgres" in name)
                 or (k == "browser" and ".browser." in f".{case.get('classname')}.")]
        if case.find("skipped") is not None and kinds:
            skipped.append(name)
        for kind in kinds:
            ran[kind] += 1
    print(f"PostgreSQL tests: {ran['postgres']}, browser tests: {ran['browser']}, "
          f"skipped among them: {len(skipped)}")
    for name in skipped[:20]:
        print(f"  skipped: {name}")
    if skipped or not ran["postgres"] or not ran["browser"]:
        print("CI requires the PostgreSQL and browser tests to run.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
