-- Orleans' ADO.NET providers read their SQL from this table at start-up, one row per query key.
-- Written for this project; applied by DbUp (journal: schemaversions), once.
CREATE TABLE OrleansQuery
(
    QueryKey  varchar(64) NOT NULL PRIMARY KEY,
    QueryText text        NOT NULL
);
