"""The history database's schema, as an ordered list of SQL scripts.

Script N takes a database from schema version N-1 to N. Scripts are only ever appended: a database written by
an older sendcheck is brought up to date by running the scripts it has not seen, in order, inside the same
transaction that records the new version, so a failed migration leaves the file as it was. Kept as Python
strings rather than .sql files so they travel inside any installed copy of the package.
"""

MIGRATIONS: list[str] = [
    # 1: runs, per-rule counts and findings.
    """
-- Schema 1: one row per recorded run (one per month), its per-rule counts and its findings.
-- Findings keep record ids, never names: no caseworker, UPN, free-text message or source line.
CREATE TABLE runs (
    run_id            INTEGER PRIMARY KEY,
    month             TEXT NOT NULL UNIQUE,      -- YYYY-MM of the as-at date: one run per month
    as_at             TEXT NOT NULL,             -- YYYY-MM-DD
    recorded_at       TEXT NOT NULL,             -- YYYY-MM-DDTHH:MM:SS, local time
    input_fingerprint TEXT NOT NULL,             -- sha256 over the input files' bytes
    inputs            TEXT NOT NULL,             -- JSON list of file names
    ruleset_version   TEXT NOT NULL,             -- sha256 over the rule files' bytes
    settings          TEXT NOT NULL,             -- JSON
    findings_total    INTEGER NOT NULL,
    breaches          INTEGER NOT NULL
);

CREATE TABLE run_counts (
    run_id  INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    rule_id TEXT NOT NULL,
    status  TEXT NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (run_id, rule_id, status)
);

CREATE TABLE findings (
    run_id        INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    finding_id    TEXT NOT NULL,                 -- rule id + "/" + record id
    rule_id       TEXT NOT NULL,
    record_table  TEXT,
    record_id     TEXT,
    person_id     TEXT,
    status        TEXT NOT NULL,
    clock_start   TEXT,
    due_date      TEXT,
    stopped_date  TEXT,
    days_late     INTEGER,
    exception     TEXT,
    family        TEXT,
    strength      TEXT,
    breach_since  TEXT,                          -- YYYY-MM of the first run in this unbroken breach
    PRIMARY KEY (run_id, finding_id)
);
""",
    # 2: team column on findings (for the trend by team) and an index for per-rule monthly series.
    """
-- Schema 2: the team each finding belongs to (for the trend by team), and an index for per-rule series.
-- Runs recorded under schema 1 keep a blank team; the trend shows them as "Team not recorded".
ALTER TABLE findings ADD COLUMN team TEXT;
CREATE INDEX findings_by_rule ON findings (rule_id, run_id, status);
""",
]

SCHEMA_VERSION = len(MIGRATIONS)
