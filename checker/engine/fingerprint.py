"""The rule set's fingerprint: one SHA-256 that changes exactly when the law the checker applies changes.

It is taken over the rules as loaded, not over the files' bytes, so that what moves it is what the checker
reads: every field of every rule (id, title, description, must/should, who owes it, what it applies to, when,
the clock, exceptions, effective dates, severity, legal source, action, notes and the family). A comment, the
layout of a file (descriptions are read with their whitespace folded), the order or the file a rule sits in,
and the worked examples (they are the rule's tests, not its meaning) leave it unchanged.

``summary.json`` carries it as ``rules_fingerprint`` and the history store records it with each run, so two
months can be told apart when the law encoding changed between them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json

LEFT_OUT = ("examples", "file")  # the rule's tests, and which file it happens to be in


def _plain(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"a rule holds a {type(value).__name__}, which the rule set's fingerprint cannot write; "
                    "teach checker/engine/fingerprint.py how to write it")


def canonical(rules) -> str:
    """The rules as one JSON text: rules in id order, each rule's fields with sorted keys, dates as YYYY-MM-DD."""
    ordered = sorted(rules, key=lambda r: r.id)
    records = [{f.name: getattr(r, f.name) for f in dataclasses.fields(r) if f.name not in LEFT_OUT}
               for r in ordered]
    return json.dumps(records, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain)


def rules_fingerprint(rules) -> str:
    """SHA-256 (hex) of :func:`canonical`."""
    return hashlib.sha256(canonical(rules).encode("utf-8")).hexdigest()
