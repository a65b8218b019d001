"""The text `sendcheck history` prints: one line per stored month, for the person at the keyboard."""

from __future__ import annotations


def format_runs(runs: list[dict]) -> str:
    """A fixed-width table of stored runs, oldest first; a hint when there are none."""
    if not runs:
        return "No runs are recorded yet. Record one with: sendcheck check ... --record"
    head = (f"{'Month':<8} {'As at':<10} {'Recorded':<19} {'Findings':>9} {'Breaches':>9} {'Input':<12} "
            f"{'Rules':<12} Files")
    lines = [head]
    for r in runs:
        lines.append(f"{r['month']:<8} {r['as_at'].isoformat():<10} {r['recorded_at'].replace('T', ' '):<19} "
                     f"{r['findings_total']:>9,} {r['breaches']:>9,} {r['input_fingerprint'][:12]:<12} "
                     f"{r['ruleset_version'][:12]:<12} {', '.join(r['inputs'])}")
    return "\n".join(lines)
