-- The latest audit's result per service, written by the silo host's `audit` command and published on /metrics.
CREATE TABLE ConnectsAuditRuns
(
    ServiceId        TEXT    NOT NULL PRIMARY KEY,
    FinishedAtUnixMs INTEGER NOT NULL,
    Findings         INTEGER NOT NULL
);
