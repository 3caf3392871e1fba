-- The events of every Connects change (issue #14): one row per ledger entry, recorded by its wallet right after the
-- write that stored the entry (the wallet's state is the outbox, see docs/design.md "Events"). EventId is stable, so
-- recording again is a no-op (INSERT ... ON CONFLICT DO NOTHING); (Subject, Sequence) orders a subject's feed.
CREATE TABLE ConnectsEvent
(
    EventId      TEXT    NOT NULL PRIMARY KEY,
    Subject      TEXT    NOT NULL,
    Sequence     INTEGER NOT NULL,
    Type         TEXT    NOT NULL,
    Time         TEXT    NOT NULL,
    Kind         INTEGER NOT NULL,
    Amount       INTEGER NOT NULL,
    BalanceAfter INTEGER NOT NULL,
    Reference    TEXT    NOT NULL,
    Note         TEXT    NULL,
    UNIQUE (Subject, Sequence)
) WITHOUT ROWID;
