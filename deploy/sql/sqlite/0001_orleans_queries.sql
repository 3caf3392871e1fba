-- Orleans' ADO.NET providers read their SQL from this table at start-up, one row per query key.
-- Written for this project (Orleans ships no SQLite reminder schema). Applied by DbUp, once.
CREATE TABLE OrleansQuery
(
    QueryKey  TEXT NOT NULL PRIMARY KEY,
    QueryText TEXT NOT NULL
);
