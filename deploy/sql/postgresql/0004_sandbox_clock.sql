-- How far the sandbox clock has been moved ahead of real time; every process of a cluster follows it.
CREATE TABLE ConnectsSandboxClock
(
    Id          integer NOT NULL PRIMARY KEY CHECK (Id = 1),
    OffsetTicks bigint  NOT NULL
);
INSERT INTO ConnectsSandboxClock (Id, OffsetTicks) VALUES (1, 0);
