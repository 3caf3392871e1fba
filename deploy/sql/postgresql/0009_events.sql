-- The events of every Connects change (issue #14): one row per ledger entry, recorded by its wallet right after the
-- write that stored the entry (the wallet's state is the outbox, see docs/design.md "Events"). EventId is stable, so
-- recording again is a no-op (INSERT ... ON CONFLICT DO NOTHING); (Subject, Sequence) orders a subject's feed.
CREATE TABLE ConnectsEvent
(
    EventId      varchar(200) NOT NULL PRIMARY KEY,
    Subject      varchar(150) NOT NULL,
    Sequence     bigint       NOT NULL,
    Type         varchar(100) NOT NULL,
    Time         timestamptz  NOT NULL,
    Kind         integer      NOT NULL,
    Amount       integer      NOT NULL,
    BalanceAfter integer      NOT NULL,
    Reference    varchar(300) NOT NULL,
    Note         text         NULL,
    UNIQUE (Subject, Sequence)
);
