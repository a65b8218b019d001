"""How dates, numbers and labels are written for people, the same in every report."""

from __future__ import annotations

import datetime as dt

import pandas as pd

FAMILY_LABELS = {
    "assessment": "EHC needs assessment and plan",
    "reviews": "Reviews, amendments and ceasing",
    "phase_transfer": "Phase transfers",
    "young_people": "Young people aged 16 to 25",
    "schools": "Schools and governing bodies",
    "health": "Health",
    "social_care": "Social care",
    "personal_budgets": "Personal budgets and direct payments",
    "disagreement": "Mediation, appeals and tribunal orders",
    "transfers": "Transfers between authorities",
    "provision": "Provision and placement",
}

FAMILY_SHEETS = {  # short enough for an Excel sheet name with " (guidance)" after it
    "assessment": "Assessment", "reviews": "Reviews", "phase_transfer": "Phase transfer",
    "young_people": "Young people", "schools": "Schools", "health": "Health", "social_care": "Social care",
    "personal_budgets": "Personal budgets", "disagreement": "Disagreement", "transfers": "Transfers",
    "provision": "Provision",
}

STATUS_LABELS = {
    "overdue": "Overdue",
    "late": "Late",
    "due_soon": "Due soon",
    "pending": "In time so far",
    "excepted": "Exception applied",
    "insufficient_data": "Not enough data",
    "compliant": "On time",
}
# Worst first: the order lists are sorted in and charts are drawn in.
STATUS_ORDER = ("overdue", "late", "due_soon", "insufficient_data", "pending", "excepted", "compliant")
STATUS_TAG = {  # GOV.UK tag colour for each status; the text always says the status too
    "overdue": "red", "late": "orange", "due_soon": "yellow", "pending": "blue", "excepted": "purple",
    "insufficient_data": "grey", "compliant": "green",
}

STRENGTH_LABELS = {"must": "Statutory duty (must)", "should": "Statutory guidance (should)"}

NEED_LABELS = {
    "SPLD": "Specific learning difficulty", "MLD": "Moderate learning difficulty", "SLD": "Severe learning difficulty",
    "PMLD": "Profound and multiple learning difficulty", "SEMH": "Social, emotional and mental health",
    "SLCN": "Speech, language and communication needs", "HI": "Hearing impairment", "VI": "Visual impairment",
    "MSI": "Multi-sensory impairment", "PD": "Physical disability", "ASD": "Autistic spectrum disorder",
    "DS": "Down syndrome", "OTH": "Other difficulty or disability",
}

SETTING_LABELS = {
    "OLA": "Education otherwise than at school (LA arranged)", "OPA": "Parent or young person's own arrangements",
    "EHE": "Elective home education", "EYP": "Early years provider", "OTH": "Other setting type",
    "NEET": "Not in education, employment or training", "NIEC": "Not in education: notice to cease issued",
    "NIEO": "Not in education: other",
}


def family_label(family) -> str:
    family = "" if family is None or family != family else str(family)
    return FAMILY_LABELS.get(family, family.replace("_", " ").capitalize() or "Other")


def family_sheet(family) -> str:
    family = "" if family is None or family != family else str(family)
    return FAMILY_SHEETS.get(family, family.replace("_", " ").capitalize()[:18] or "Other")


def status_label(status) -> str:
    return STATUS_LABELS.get(status, str(status).replace("_", " ").capitalize())


def long_date(value) -> str:
    """"5 January 2026"; blank for a missing date."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        value = value.date()
    return f"{value.day} {value:%B %Y}"


def short_date(value) -> str:
    """"05/01/2026", the form the users' own systems show; blank for a missing date."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    return f"{value:%d/%m/%Y}"


def number(value) -> str:
    return f"{value:,}"


def text(value) -> str:
    """A table cell's text: blank for missing values, ints without a trailing .0."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        if value.is_integer():
            return str(int(value))
    if isinstance(value, (pd.Timestamp, dt.date)):
        return short_date(value)
    return str(value)
