"""The latest published national figures, so every local figure is read beside England's.

Transcribed from the DfE "Education, health and care plans" statistics as gathered in the project's duty
catalogue (section "National figures"). Only figures marked verified there are used as comparators; the
unverified ones are kept in the table with ``verified=False`` so the catalogue and this module stay in step,
but a report never shows them as the national figure.
"""

from __future__ import annotations

from dataclasses import dataclass

TIMELY_EXCL = "timely_20w_excl"  # % of new plans issued within 20 weeks, excluding exception cases
TIMELY_INCL = "timely_20w_incl"  # the same including exception cases
REQUESTS = "requests"  # requests for an EHC needs assessment in the calendar year
NEW_PLANS = "new_plans"  # new EHC plans made in the calendar year
PLANS_JANUARY = "plans_january"  # EHC plans maintained at the following January census

DFE_SERIES = 'DfE, "Education, health and care plans" statistics'


@dataclass(frozen=True)
class NationalFigure:
    measure: str
    year: int  # calendar year of the activity (for the January count, the January of that year)
    value: float
    source: str
    verified: bool = True

    @property
    def display(self) -> str:
        if self.measure in (TIMELY_EXCL, TIMELY_INCL):
            return f"{self.value:.1f}%"
        return f"{self.value:,.0f}"

    @property
    def period(self) -> str:
        return f"January {self.year}" if self.measure == PLANS_JANUARY else f"calendar year {self.year}"


NATIONAL_FIGURES: tuple[NationalFigure, ...] = (
    NationalFigure(TIMELY_EXCL, 2017, 65.0, f"{DFE_SERIES}, 2019 release (published rounded)"),
    NationalFigure(TIMELY_EXCL, 2018, 60.0, f"{DFE_SERIES}, 2019 release (published rounded)"),
    NationalFigure(TIMELY_EXCL, 2019, 60.4, f'{DFE_SERIES}, data set "Timeliness of new EHC plans" (29,895 of 49,519)'),
    NationalFigure(TIMELY_INCL, 2019, 58.7, f'{DFE_SERIES}, data set "Timeliness of new EHC plans" (31,313 of 53,327)'),
    NationalFigure(TIMELY_EXCL, 2020, 58.0, f"{DFE_SERIES}, 2021 release (believed)", verified=False),
    NationalFigure(TIMELY_EXCL, 2021, 59.9, f"{DFE_SERIES}, 2022 release"),
    NationalFigure(TIMELY_EXCL, 2022, 49.2, f"{DFE_SERIES}, 2023 release"),
    NationalFigure(TIMELY_EXCL, 2023, 50.3, f"{DFE_SERIES}, 2024 release"),
    NationalFigure(TIMELY_EXCL, 2024, 46.4, f"{DFE_SERIES}, 2025 release"),
    NationalFigure(TIMELY_EXCL, 2025, 46.1, f"{DFE_SERIES}, 2026 release (secondary report)", verified=False),
    NationalFigure(REQUESTS, 2019, 82_329, f'{DFE_SERIES}, data set "Requests for an EHC needs assessment"'),
    NationalFigure(REQUESTS, 2021, 93_302, f"{DFE_SERIES}, 2022 release"),
    NationalFigure(REQUESTS, 2024, 154_489, f"{DFE_SERIES}, 2025 release"),
    NationalFigure(NEW_PLANS, 2020, 60_097, f"{DFE_SERIES}, 2021 release"),
    NationalFigure(NEW_PLANS, 2021, 62_180, f"{DFE_SERIES}, 2022 release"),
    NationalFigure(NEW_PLANS, 2023, 84_400, f"{DFE_SERIES}, 2024 release"),
    NationalFigure(NEW_PLANS, 2024, 97_747, f"{DFE_SERIES}, 2025 release"),
    NationalFigure(PLANS_JANUARY, 2022, 473_255, f"{DFE_SERIES}, 2022 release"),
    NationalFigure(PLANS_JANUARY, 2023, 517_000, f"{DFE_SERIES}, 2023 release"),
    NationalFigure(PLANS_JANUARY, 2024, 576_474, f"{DFE_SERIES}, 2024 release (revised)"),
    NationalFigure(PLANS_JANUARY, 2025, 638_745, f'{DFE_SERIES}, data set "EHC plans at January by primary need"'),
    NationalFigure(PLANS_JANUARY, 2026, 718_800, f"{DFE_SERIES}, 2026 release"),
)


def latest(measure: str, *, up_to_year: int | None = None) -> NationalFigure | None:
    """The most recent verified national figure for a measure (optionally no later than a given year)."""
    found = [f for f in NATIONAL_FIGURES
             if f.measure == measure and f.verified and (up_to_year is None or f.year <= up_to_year)]
    return max(found, key=lambda f: f.year) if found else None


def for_year(measure: str, year: int) -> NationalFigure | None:
    """The verified national figure for one calendar year, if published."""
    for f in NATIONAL_FIGURES:
        if f.measure == measure and f.year == year and f.verified:
            return f
    return None
