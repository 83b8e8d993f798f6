#!/usr/bin/env python3
"""Generate ``data/holidays/kr.csv``: South Korean public holidays (관공서의 공휴일).

Usage (from the repository root)::

    pip install holidays==0.109 korean-lunar-calendar==0.4.0
    python3 data/holidays/generate.py > data/holidays/kr.csv
    python3 data/holidays/generate.py --first 2025 --last 2035 > data/holidays/kr.csv

Pinned versions (the ones ``kr.csv`` was generated with):

* ``holidays`` 0.109 (PyPI, MIT) -- computes every date: the lunar holidays from
  its Chinese lunisolar tables with the Korean-calendar (KST) exceptions, the
  substitute-holiday (대체공휴일) rules and the one-off days it knows.
* ``korean-lunar-calendar`` 0.4.0 (PyPI, MIT) -- an independent converter built on
  the Korea Astronomy and Space Science Institute (KASI) tables; used only as a
  cross-check of Seollal, Buddha's Birthday and Chuseok. Generation fails if the
  two disagree.

The script also recomputes the statutory election days from Article 34 of the
Public Official Election Act (see ``statutory_election_days``) and fails if the
package disagrees.

Output: comment lines (``#``), the header ``date,key,name,kind`` and one row per
(day, holiday), sorted by date then key. ``kind`` is ``public``, ``substitute``
(대체공휴일; the row carries the key of the holiday it substitutes for) or
``temporary`` (임시공휴일, declared by the government for one year only).

Overrides of the package (each one checked against the official 월력요항,
see README.md):

* 2025-05-06: the package gives one substitute day two names (Buddha's Birthday
  and Children's Day, which both fell on 2025-05-05). The 2025 월력요항 lists it
  once, as 대체공휴일(부처님 오신 날), so only the ``buddhas_birthday`` row is kept.
* 2025-06-03: the early presidential election after a vacancy is not an
  election "at the expiration of the term", so it is not a public holiday under
  the regulation; the government declared it a temporary holiday
  (월력요항: 임시공휴일(대통령선거)). Kind ``temporary`` (key ``election_day``)
  instead of the package's plain public holiday.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

import holidays
from holidays.constants import PUBLIC
from korean_lunar_calendar import KoreanLunarCalendar

PINNED_HOLIDAYS = "0.109"
PINNED_LUNAR = "0.4.0"

# Package holiday name (Korean, the package's source language: stable across
# translations) -> (key, English name, kind). A name that is not here stops the
# generator, so a package upgrade that adds a holiday cannot slip through.
NAMES: dict[str, tuple[str, str, str]] = {
    "신정연휴": ("new_year", "New Year's Day", "public"),
    "설날 전날": ("seollal", "Seollal (day before)", "public"),
    "설날": ("seollal", "Seollal", "public"),
    "설날 다음날": ("seollal", "Seollal (day after)", "public"),
    "삼일절": ("independence_movement_day", "Independence Movement Day", "public"),
    "노동절": ("labour_day", "Labour Day", "public"),
    "어린이날": ("childrens_day", "Children's Day", "public"),
    "부처님오신날": ("buddhas_birthday", "Buddha's Birthday", "public"),
    "현충일": ("memorial_day", "Memorial Day", "public"),
    "제헌절": ("constitution_day", "Constitution Day", "public"),
    "광복절": ("liberation_day", "Liberation Day", "public"),
    "개천절": ("national_foundation_day", "National Foundation Day", "public"),
    "추석 전날": ("chuseok", "Chuseok (day before)", "public"),
    "추석": ("chuseok", "Chuseok", "public"),
    "추석 다음날": ("chuseok", "Chuseok (day after)", "public"),
    "한글날": ("hangul_day", "Hangul Day", "public"),
    "기독탄신일": ("christmas", "Christmas Day", "public"),
    "국회의원 선거일": ("election_day", "National Assembly election day", "public"),
    "대통령 선거일": ("election_day", "Presidential election day", "public"),
    "지방선거일": ("election_day", "Local elections day", "public"),
    "임시공휴일": ("temporary", "Temporary public holiday", "temporary"),
    # 2024-10-01 only (a temporary holiday); listed so --first 2024 works.
    "국군의 날": ("temporary", "Armed Forces Day (temporary public holiday)", "temporary"),
}

# Substitute days: "<name> 대체 휴일" -> key of <name>, "Substitute holiday for <base>".
SUBSTITUTE_SUFFIX = " 대체 휴일"
BASE_NAMES = {
    "seollal": "Seollal",
    "chuseok": "Chuseok",
}

# (date, key) -> replacement (key, name, kind), or None to drop the row.
OVERRIDES: dict[tuple[str, str], tuple[str, str, str] | None] = {
    # 2025 월력요항: one substitute day, 대체공휴일(부처님 오신 날).
    ("2025-05-06", "childrens_day"): None,
    # 2025 월력요항: 임시공휴일(대통령선거) -- an early election after a vacancy.
    ("2025-06-03", "election_day"): (
        "election_day",
        "Presidential election day (early election; temporary public holiday)",
        "temporary",
    ),
}

TEMPORARY_NAMES = {
    "2025-01-27": "Temporary public holiday (before Seollal)",
}

ELECTION_NAMES = {"국회의원 선거일", "대통령 선거일", "지방선거일"}


def statutory_election_days(year: int, other_holidays: set[dt.date]) -> set[dt.date]:
    """Election days at the expiration of terms, per Public Official Election Act Art. 34.

    (1) presidential: first Wednesday on or after the 70th day before the term ends
        (term ends June 3 since the 2025 early election: from March 25, every 5 years);
        National Assembly: first Wednesday on or after the 50th day before May 29
        (April 9, every 4 years from 2028); local: first Wednesday on or after the
        30th day before June 30 (May 31, every 4 years from 2026).
    (2) if that Wednesday is a public holiday, or the day before or after is one,
        the election moves to the Wednesday of the following week.
    Only the days above are public holidays by law (관공서의 공휴일에 관한 규정
    Art. 2(9)); by-elections and early elections are not (a government decision
    makes them temporary holidays, as on 2025-06-03).
    """

    def first_wednesday_from(d: dt.date) -> dt.date:
        d += dt.timedelta(days=(2 - d.weekday()) % 7)
        one = dt.timedelta(days=1)
        if d in other_holidays or d - one in other_holidays or d + one in other_holidays:
            d += dt.timedelta(days=7)
        return d

    days = set()
    if year >= 2030 and (year - 2030) % 5 == 0:
        days.add(first_wednesday_from(dt.date(year, 3, 25)))
    if year >= 2028 and (year - 2028) % 4 == 0:
        days.add(first_wednesday_from(dt.date(year, 4, 9)))
    if year >= 2026 and (year - 2026) % 4 == 0:
        days.add(first_wednesday_from(dt.date(year, 5, 31)))
    return days


def lunar_to_solar(year: int, month: int, day: int) -> dt.date:
    cal = KoreanLunarCalendar()
    if not cal.setLunarDate(year, month, day, False):
        raise SystemExit(f"korean-lunar-calendar cannot convert lunar {year}-{month}-{day}")
    return dt.date.fromisoformat(cal.SolarIsoFormat())


def rows_for(first: int, last: int) -> list[tuple[str, str, str, str]]:
    calendar = holidays.KR(years=range(first, last + 1), categories=PUBLIC, language="ko")
    rows: list[tuple[str, str, str, str]] = []
    problems: list[str] = []
    hit: set[tuple[str, str]] = set()
    for year in range(first, last + 1):
        names_by_date = {d: calendar.get_list(d) for d in sorted(calendar) if d.year == year}
        # Cross-check 1: lunar holidays against the KASI-based converter.
        by_name = {n: d for d, ns in names_by_date.items() for n in ns}
        for name, (month, day) in (("설날", (1, 1)), ("부처님오신날", (4, 8)), ("추석", (8, 15))):
            want = lunar_to_solar(year, month, day)
            if by_name.get(name) != want:
                problems.append(f"{year} {name}: holidays={by_name.get(name)} KASI={want}")
        # Cross-check 2: statutory election days.
        others = {d for d, ns in names_by_date.items() if any(n not in ELECTION_NAMES for n in ns)}
        package_elections = {d for d, ns in names_by_date.items() if ELECTION_NAMES & set(ns)}
        expected = statutory_election_days(year, others)
        if year == 2025:
            expected.add(dt.date(2025, 6, 3))  # early presidential election (one-off)
        # The rule above is written for the terms running from 2025 on.
        if year >= 2025 and package_elections != expected:
            problems.append(
                f"{year} elections: holidays={sorted(map(str, package_elections))} "
                f"Art.34={sorted(map(str, expected))}"
            )

        for d, names in names_by_date.items():
            iso = d.isoformat()
            for name in names:
                if "추정" in name:
                    problems.append(f"{iso} {name}: estimated date, outside the package's tables")
                    continue
                if name.endswith(SUBSTITUTE_SUFFIX):
                    base = name[: -len(SUBSTITUTE_SUFFIX)]
                    if base not in NAMES:
                        problems.append(f"{iso} {name}: unknown holiday name")
                        continue
                    key, english, _ = NAMES[base]
                    english = BASE_NAMES.get(key, english)
                    row = (key, f"Substitute holiday for {english}", "substitute")
                elif name in NAMES:
                    row = NAMES[name]
                    if row[0] == "temporary" and iso in TEMPORARY_NAMES:
                        row = (row[0], TEMPORARY_NAMES[iso], row[2])
                else:
                    problems.append(f"{iso} {name}: unknown holiday name")
                    continue
                if (iso, row[0]) in OVERRIDES:
                    hit.add((iso, row[0]))
                    replacement = OVERRIDES[(iso, row[0])]
                    if replacement is None:
                        continue
                    row = replacement
                rows.append((iso, *row))

    if problems:
        raise SystemExit("generate.py: cross-checks failed:\n  " + "\n  ".join(problems))
    rows = sorted(set(rows), key=lambda r: (r[0], r[1]))
    seen = set()
    for r in rows:
        if (r[0], r[1]) in seen:
            raise SystemExit(f"generate.py: two rows for ({r[0]}, {r[1]})")
        seen.add((r[0], r[1]))
    for iso, key in OVERRIDES:
        if first <= int(iso[:4]) <= last and (iso, key) not in hit:
            # The package changed under us: re-check the override against the source.
            raise SystemExit(f"generate.py: override for ({iso}, {key}) matched no row")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--first", type=int, default=2025, help="first year (default 2025)")
    parser.add_argument("--last", type=int, default=2035, help="last year (default 2035)")
    parser.add_argument(
        "--generated",
        default=dt.date.today().isoformat(),
        help="date written on the '# generated:' line (default: today)",
    )
    args = parser.parse_args()
    if args.first > args.last:
        raise SystemExit("generate.py: --first must not be after --last")

    versions = (holidays.__version__, _lunar_version())
    if versions != (PINNED_HOLIDAYS, PINNED_LUNAR):
        print(
            f"generate.py: warning: pinned holidays=={PINNED_HOLIDAYS}, "
            f"korean-lunar-calendar=={PINNED_LUNAR}; running {versions[0]}, {versions[1]}",
            file=sys.stderr,
        )

    rows = rows_for(args.first, args.last)
    for row in rows:
        for field in row:
            if "," in field or '"' in field or not field:
                raise SystemExit(f"generate.py: field empty or needs quoting: {field!r}")
    out = sys.stdout
    out.write(
        "# South Korean public holidays (관공서의 공휴일), substitute holidays and temporary holidays.\n"
    )
    out.write(
        f"# source: Python package holidays=={versions[0]} (country KR, category public), "
        f"lunar dates cross-checked with korean-lunar-calendar=={versions[1]} (KASI tables); "
        "overrides from the official 월력요항, see data/holidays/README.md\n"
    )
    out.write("# generator: data/holidays/generate.py\n")
    out.write(f"# generated: {args.generated}\n")
    out.write(
        "# licence: dates fixed by Korean law and government notices (facts, no copyright); "
        "generated with MIT-licensed packages; this file is part of capsim (Apache-2.0)\n"
    )
    out.write(f"# years: {args.first}-{args.last}\n")
    out.write("date,key,name,kind\n")
    for row in rows:
        out.write(",".join(row) + "\n")


def _lunar_version() -> str:
    try:
        from importlib.metadata import version

        return version("korean-lunar-calendar")
    except Exception:  # noqa: BLE001 - only used for the warning above
        return "unknown"


if __name__ == "__main__":
    main()
