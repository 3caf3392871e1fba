-- Grain state for Microsoft.Orleans.Persistence.AdoNet on SQLite.
-- One row per (service, state name, grain key): the primary key makes a duplicate row impossible, so the
-- write query always answers one version or none (none = version conflict -> InconsistentStateException).
-- GrainIdExtension holds the whole key for string keys; '' stands for "no extension" so it can be keyed.
CREATE TABLE OrleansStorage
(
    ServiceId        TEXT    NOT NULL,
    GrainTypeString  TEXT    NOT NULL,
    GrainIdN0        INTEGER NOT NULL,
    GrainIdN1        INTEGER NOT NULL,
    GrainIdExtension TEXT    NOT NULL,
    GrainIdHash      INTEGER NOT NULL,
    GrainTypeHash    INTEGER NOT NULL,
    PayloadBinary    BLOB    NULL,
    Version          INTEGER NOT NULL,
    ModifiedOn       TEXT    NOT NULL,
    PRIMARY KEY (ServiceId, GrainTypeString, GrainIdExtension, GrainIdN0, GrainIdN1)
) WITHOUT ROWID;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey', '
SELECT PayloadBinary, Version
FROM OrleansStorage
WHERE ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtension = COALESCE(@GrainIdExtensionString, '''')
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND @GrainIdHash IS NOT NULL AND @GrainTypeHash IS NOT NULL;
');

-- A first write (no version yet) inserts version 1 unless a row exists; a later write updates only the
-- version it read. At most one of the two statements returns a row.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', '
UPDATE OrleansStorage
SET PayloadBinary = @PayloadBinary, Version = Version + 1, ModifiedOn = strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now'')
WHERE @GrainStateVersion IS NOT NULL
  AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtension = COALESCE(@GrainIdExtensionString, '''')
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND Version = @GrainStateVersion
RETURNING Version AS NewGrainStateVersion;
INSERT INTO OrleansStorage
    (ServiceId, GrainTypeString, GrainIdN0, GrainIdN1, GrainIdExtension, GrainIdHash, GrainTypeHash, PayloadBinary, Version, ModifiedOn)
SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, COALESCE(@GrainIdExtensionString, ''''), @GrainIdHash, @GrainTypeHash,
       @PayloadBinary, 1, strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now'')
WHERE @GrainStateVersion IS NULL
ON CONFLICT DO NOTHING
RETURNING Version AS NewGrainStateVersion;
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', '
UPDATE OrleansStorage
SET PayloadBinary = NULL, Version = Version + 1, ModifiedOn = strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now'')
WHERE ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtension = COALESCE(@GrainIdExtensionString, '''')
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND Version = @GrainStateVersion
  AND @GrainIdHash IS NOT NULL AND @GrainTypeHash IS NOT NULL
RETURNING Version AS NewGrainStateVersion;
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteStorageKey', '
DELETE FROM OrleansStorage
WHERE ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtension = COALESCE(@GrainIdExtensionString, '''')
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND Version = @GrainStateVersion
  AND @GrainIdHash IS NOT NULL AND @GrainTypeHash IS NOT NULL
RETURNING Version + 1 AS NewGrainStateVersion;
');
