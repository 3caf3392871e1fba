-- How far the sandbox clock has been moved ahead of real time, so it survives a restart.
CREATE TABLE ConnectsSandboxClock
(
    Id          INTEGER NOT NULL PRIMARY KEY CHECK (Id = 1),
    OffsetTicks INTEGER NOT NULL
);
INSERT INTO ConnectsSandboxClock (Id, OffsetTicks) VALUES (1, 0);
