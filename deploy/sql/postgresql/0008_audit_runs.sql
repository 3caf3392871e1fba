-- The latest audit's result per service, written by the silo host's `audit` command and read by every silo, which
-- publishes it on /metrics (connects_audit_findings, connects_audit_last_run_timestamp_seconds) for the alert.
CREATE TABLE ConnectsAuditRuns
(
    ServiceId        varchar(150) NOT NULL PRIMARY KEY,
    FinishedAtUnixMs bigint       NOT NULL,
    Findings         integer      NOT NULL
);
