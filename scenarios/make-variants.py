#!/usr/bin/env python3
"""Derive the heal7 variants from scenarios/heal7.yaml, so the three files never drift apart.

Run from the repository root after editing heal7.yaml:  python3 scenarios/make-variants.py
The test suite checks that the committed variants equal what this script produces.
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        sys.exit(f"make-variants: expected exactly one {old!r} in heal7.yaml")
    return text.replace(old, new)


def pgbouncer(base: str) -> str:
    s = replace_once(base, "# heal7 — the platform's own plan for 2026",
                     "# heal7-pgbouncer — heal7 with a transaction-mode pooler in front of PostgreSQL. Generated from\n"
                     "# heal7.yaml by scenarios/make-variants.py: only `metadata` and `pooler:` differ.\n#\n"
                     "# heal7 — the platform's own plan for 2026")
    s = replace_once(s, "  name: heal7\n  description: >-\n",
                     "  name: heal7-pgbouncer\n  description: >-\n"
                     "    heal7 with a PgBouncer pooler (transaction mode) in front of the database instances.\n")
    return replace_once(s, "    queryCpuTime: 1ms            # indexed OLTP queries\n",
                        "    queryCpuTime: 1ms            # indexed OLTP queries\n"
                        "    pooler:                      # PgBouncer, pool_mode = transaction\n"
                        "      maxServerConnections: 100  # default_pool_size × pools: half of max_connections, leaving\n"
                        "                                 # room for migrations, admin and replication slots\n"
                        "      maxClientConnections: 5000 # max_client_conn: every pod's pool fits\n")


def failover(base: str) -> str:
    s = replace_once(base, "# heal7 — the platform's own plan for 2026",
                     "# heal7-failover — heal7 with an AWS (ap-northeast-2) outage on Chuseok evening, when traffic is\n"
                     "# at 300 % of normal. Generated from heal7.yaml by scenarios/make-variants.py: it differs in\n"
                     "# `metadata`, `events:`, and in simulating only the two Chuseok weeks at one-minute resolution,\n"
                     "# so the HPA race is visible in timeseries.csv.\n#\n"
                     "# heal7 — the platform's own plan for 2026")
    s = replace_once(s, "  name: heal7\n  description: >-\n",
                     "  name: heal7-failover\n  description: >-\n"
                     "    heal7 with a two-hour AWS outage on Chuseok evening (2026-09-25 20:00 KST); traffic fails over to GCP.\n")
    s = replace_once(s, "    start: 2026-01-01            # (plan)\n    duration: 12mo               # (plan) ends 2027-01-01 00:00 KST (exclusive)\n",
                     "    start: 2026-09-14            # the DAU curve is the plan's; pods start at their minimums\n"
                     "    duration: 2w                 # to 2026-09-28: the run-up to Chuseok, the holiday, the return\n")
    s = replace_once(s, "    outputResolution: 1h         # timeseries.csv: one row per hour and service (26,280 rows)\n",
                     "    outputResolution: 1m         # one row per minute and service: the failover race in detail\n")
    return replace_once(s, "\n  events:\n",
                        "\n  events:\n"
                        "    # The whole AWS side fails at the evening peak of Chuseok day; after failover.detectionDelay\n"
                        "    # all traffic goes to GCP, whose HPAs and cluster autoscaler must race to absorb 3.3× their load.\n"
                        "    - { type: outage, cloud: aws, start: \"2026-09-25T20:00\", duration: 2h }\n")


def main() -> None:
    base = (HERE / "heal7.yaml").read_text()
    outputs = {"heal7-pgbouncer.yaml": pgbouncer(base), "heal7-failover.yaml": failover(base)}
    check = "--check" in sys.argv
    stale = []
    for name, text in outputs.items():
        path = HERE / name
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    if stale:
        sys.exit("make-variants: out of date: " + ", ".join(stale) + " (run python3 scenarios/make-variants.py)")


if __name__ == "__main__":
    main()
