"""Invented officer training figures for the demo (no real figures are public).

Every borough the Met polices, three courses, four quarters, broken down by rank and team,
with coverage rising over the year, a few boroughs clearly ahead or behind, one rising faster
than the rest, and one rank and one team lagging on one course, so the funnel, the change over
time and the rank and team tables have something to show. The dataset's name says the figures
are invented; they must never be read as the Met's.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from accord.datasets.boroughs import LocalAuthorities

NAME = "Officer training coverage (invented demo figures)"
COURSES = (
    "Domestic abuse (specialist)",
    "Sexual violence (specialist)",
    "Cultural competency",
)
#: Invented pilots and laggards, so the demo shows both kinds of borough.
AHEAD = {"Hackney", "Lewisham", "Camden"}
BEHIND = {"Bexley", "Havering"}
#: An invented borough that was behind and changed how it trains: its coverage rises faster
#: than London's and catches up, so the borough-by-borough table over time has a change to
#: show (and the latest quarter's funnel no longer names it behind).
CHANGED = {"Croydon"}
#: Shares of a borough's officers in scope, by rank and by team (invented).
RANKS = {"Constable": 0.76, "Sergeant": 0.16, "Inspector and above": 0.08}
TEAMS = {"Response": 0.45, "Neighbourhood": 0.3, "Public protection": 0.25}
#: Invented gaps London-wide: (course, rank or team) -> change in the share trained.
GAPS = {
    ("Cultural competency", "Sergeant"): -0.2,
    ("Sexual violence (specialist)", "Response"): -0.15,
    ("Domestic abuse (specialist)", "Public protection"): 0.15,
}

#: An invented gap within one borough: a pilot borough ahead overall whose response officers
#: lag the response officers of the rest of London (borough, team) -> change in the share.
BOROUGH_GAPS = {("Hackney", "Response"): -0.35}


def quarters(today: dt.date, count: int = 4) -> list[str]:
    """The ``count`` whole quarters before this one, oldest first."""
    year, number = today.year, (today.month - 1) // 3 + 1
    labels = []
    for _ in range(count):
        year, number = (year - 1, 4) if number == 1 else (year, number - 1)
        labels.append(f"{year} Q{number}")
    return labels[::-1]


def write_demo_csv(path: Path, today: dt.date) -> Path:
    rng = random.Random(2021)  # noqa: S311 - the same invented figures on every machine
    areas = LocalAuthorities.shipped()
    # The 32 boroughs the Met polices: the City of London has its own police force.
    london = sorted(
        (code, name)
        for code, name in areas.by_code.items()
        if code.startswith("E09") and code != "E09000001"
    )
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["borough", "course", "period", "rank", "team", "officers_in_scope", "officers_trained"]
        )
        for code, name in london:
            in_scope = rng.randint(250, 900)
            for course_number, course in enumerate(COURSES):
                base = 0.35 + 0.1 * course_number + rng.uniform(-0.05, 0.05)
                base += 0.25 if name in AHEAD else -0.2 if name in BEHIND | CHANGED else 0.0
                for step, period in enumerate(quarters(today)):
                    # Borough-wide swings, so boroughs differ more than chance allows.
                    pace = 0.14 if name in CHANGED else 0.06
                    swing = base + pace * step + rng.uniform(-0.03, 0.03)
                    for rank, rank_share in RANKS.items():
                        for team, team_share in TEAMS.items():
                            officers = max(1, round(in_scope * rank_share * team_share))
                            gap = GAPS.get((course, rank), 0.0) + GAPS.get((course, team), 0.0)
                            gap += BOROUGH_GAPS.get((name, team), 0.0)
                            share = swing + gap + rng.uniform(-0.01, 0.01)
                            trained = round(officers * min(0.97, max(0.05, share)))
                            writer.writerow([code, course, period, rank, team, officers, trained])
    return path
