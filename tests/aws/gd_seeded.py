#!/usr/bin/python3
"""fake_guardduty.py with findings seeded by the test (for test_guardduty.sh).

Runs the same server (same SigV4 check, same ListFindings/GetFindings),
with two changes:
  --findings FILE   the findings, re-read on every request, so a test seeds
                    new ones while the server runs (GuardDuty's
                    CreateSampleFindings, as a side channel). FILE holds a
                    JSON list in the API's shape (Id, Type, Severity,
                    UpdatedAt, Resource.InstanceDetails.InstanceId,
                    Service.Archived, Service.Action...).
  updatedAt         compared as GuardDuty does: milliseconds since the epoch
                    against the ISO 8601 time of the finding.
Other arguments go to fake_guardduty.py.
"""
import datetime
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_guardduty as fg  # noqa: E402


def iso_ms(s):
    t = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return int(t.timestamp() * 1000)


def main():
    argv = sys.argv[1:]
    i = argv.index("--findings")
    path = argv[i + 1]
    del argv[i:i + 2]
    sys.argv = [sys.argv[0]] + argv
    orig = fg.Handler.handle_any

    def handle_any(self):
        try:
            with open(path, encoding="utf-8") as f:
                seeded = json.load(f)
        except (OSError, ValueError):
            seeded = []
        with fg.LOCK:
            fg.FINDINGS[:] = seeded
        return orig(self)

    fg.Handler.handle_any = handle_any
    fg.Handler.do_GET = fg.Handler.do_POST = handle_any
    fg.FIELDS["updatedAt"] = lambda f: iso_ms(f["UpdatedAt"])
    return fg.main()


if __name__ == "__main__":
    sys.exit(main())
