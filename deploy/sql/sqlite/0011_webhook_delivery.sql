-- Webhook delivery (issue #14): each endpoint's delivery reads the events table in insertion order after a cursor of
-- its own. SQLite writes one transaction at a time, so Position (AUTOINCREMENT: never reused) grows in commit order.
-- SQLite cannot add such a column, so the table is rebuilt; the rows already there keep each subject's sequence order.
CREATE TABLE ConnectsEvent_New
(
    Position     INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    EventId      TEXT    NOT NULL UNIQUE,
    Subject      TEXT    NOT NULL,
    Sequence     INTEGER NOT NULL,
    Type         TEXT    NOT NULL,
    Time         TEXT    NOT NULL,
    Kind         INTEGER NOT NULL,
    Amount       INTEGER NOT NULL,
    BalanceAfter INTEGER NOT NULL,
    Reference    TEXT    NOT NULL,
    Note         TEXT    NULL,
    JobStatus    INTEGER NULL,
    PriceBefore  INTEGER NULL,
    PriceAfter   INTEGER NULL,
    UNIQUE (Subject, Sequence)
);
INSERT INTO ConnectsEvent_New (EventId, Subject, Sequence, Type, Time, Kind, Amount, BalanceAfter, Reference, Note, JobStatus, PriceBefore, PriceAfter)
SELECT EventId, Subject, Sequence, Type, Time, Kind, Amount, BalanceAfter, Reference, Note, JobStatus, PriceBefore, PriceAfter
FROM ConnectsEvent ORDER BY Time, Subject, Sequence;
DROP TABLE ConnectsEvent;
ALTER TABLE ConnectsEvent_New RENAME TO ConnectsEvent;
