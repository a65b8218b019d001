"""UPNs inside ids become keyed references in shareable outputs; the LA's private file maps them back."""

import pandas as pd

from checker.dataset import Dataset
from checker.reports.safety import identifier_masker, masked_references

UPN = "A123456789012"


def _dataset() -> Dataset:
    ds = Dataset()
    ds.add("person", pd.DataFrame([{"person_id": UPN, "upn": UPN, "_file": "x.xml", "_sheet": "", "_row": 3}]))
    return ds


def test_references_are_keyed_and_stable(monkeypatch):
    ids = pd.Series([f"{UPN}:2025-01-06", "LA-42"])
    first = identifier_masker(_dataset())(ids).tolist()
    assert first == identifier_masker(_dataset())(ids).tolist()  # stable under one key
    assert UPN not in first[0] and first[0].startswith("ref-") and first[0].endswith(":2025-01-06")
    assert first[1] == "LA-42"  # an LA's own id is kept
    monkeypatch.setenv("SENDCHECK_ID_KEY", "another-key")
    assert identifier_masker(_dataset())(ids).tolist()[0] != first[0]  # no key, no match-back by hashing UPNs


def test_private_file_maps_each_reference_back():
    refs = masked_references(_dataset())
    assert refs.to_dict("records") == [{"reference": identifier_masker(_dataset())(pd.Series([UPN])).iloc[0],
                                        "upn_or_uln": UPN}]
