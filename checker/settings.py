"""Readings of ambiguous law, as documented settings.

Each default is the reading that avoids a false breach, except where the issue that defined the product fixed
the reading (``before_fixed_date``). Every setting is echoed in the findings' run header and in reports, so a
finding can always be traced to the reading that produced it. Change them with ``--set KEY=VALUE``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

CHOICES = {
    "day_one": ("legal", "sector"),
    "month_end": ("lenient", "strict"),
    "before_fixed_date": ("exclusive", "inclusive"),
    "year11_transfer": ("post16_institution", "every_year11"),
}

HELP = {
    "day_one": "Weeks deadlines: 'legal' = event day excluded (start + 7N, default); 'sector' = event day is day 1 "
               "(start + 7N - 1), as LG Inform counts.",
    "month_end": "12-month periods from 29 Feb or a 31st: 'lenient' = the clamped month end is the last day "
                 "(default); 'strict' = the day before it.",
    "before_fixed_date": "'before 15 February': 'exclusive' = last day 14 Feb (the statute's word, default); "
                         "'inclusive' = last day 15 Feb ('by 15 February', as many guides write).",
    "year11_transfer": "Year 11 and the 31 March phase transfer (reg 18(1)(a)): 'post16_institution' = owed for a "
                       "move to a post-16 institution (FE or sixth-form college, 16-19 academy, specialist or "
                       "training provider), not for a move into a school sixth form, and a breach where the "
                       "destination is not recorded is only 'at risk' (default); 'every_year11' = owed for every "
                       "Year 11 pupil whatever the destination.",
    "due_soon_days": "Days ahead counted as 'due soon' (default 28).",
    "findings_exit_code": "Exit code when findings or data issues are present (default 1; 0 to always succeed).",
}


@dataclass(frozen=True)
class Settings:
    day_one: str = "legal"
    month_end: str = "lenient"
    before_fixed_date: str = "exclusive"
    year11_transfer: str = "post16_institution"
    due_soon_days: int = 28
    findings_exit_code: int = 1

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_pairs(cls, pairs: list[str] | tuple[str, ...]) -> Settings:
        """Build from ``KEY=VALUE`` strings; a ValueError names the bad key or value and the choices."""
        values: dict = {}
        known = {f.name: f for f in fields(cls)}
        for pair in pairs:
            if "=" not in pair:
                raise ValueError(f"--set expects KEY=VALUE, got {pair!r}")
            key, value = (part.strip() for part in pair.split("=", 1))
            if key not in known:
                raise ValueError(f"unknown setting {key!r}; known settings: {', '.join(sorted(known))}")
            if key in CHOICES:
                if value not in CHOICES[key]:
                    raise ValueError(f"setting {key} must be one of {', '.join(CHOICES[key])}, got {value!r}")
                values[key] = value
            else:
                try:
                    values[key] = int(value)
                except ValueError:
                    raise ValueError(f"setting {key} must be a whole number, got {value!r}") from None
        return cls(**values)
