-- Grain state for Microsoft.Orleans.Persistence.AdoNet on PostgreSQL.
-- One row per (service, state name, grain key): the primary key makes a duplicate impossible, so a
-- write answers one new version, or none on a version conflict (-> InconsistentStateException).
-- GrainIdExtension holds the whole key for string keys; '' stands for "no extension" so it can be keyed.
CREATE TABLE OrleansStorage
(
    ServiceId        varchar(150) NOT NULL,
    GrainTypeString  varchar(512) NOT NULL,
    GrainIdExtension varchar(512) NOT NULL,
    GrainIdN0        bigint       NOT NULL,
    GrainIdN1        bigint       NOT NULL,
    GrainIdHash      integer      NOT NULL,
    GrainTypeHash    integer      NOT NULL,
    PayloadBinary    bytea        NULL,
    Version          integer      NOT NULL,
    ModifiedOn       timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (ServiceId, GrainTypeString, GrainIdExtension, GrainIdN0, GrainIdN1)
);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey', '
SELECT PayloadBinary, Version
FROM OrleansStorage
WHERE ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtension = COALESCE(@GrainIdExtensionString, '''')
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND @GrainIdHash::integer IS NOT NULL AND @GrainTypeHash::integer IS NOT NULL;
');

-- A first write (no version yet) inserts version 1 unless a row exists; a later write updates only the
-- version it read. One statement; at most one row comes back.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', '
WITH updated AS (
    UPDATE OrleansStorage
    SET PayloadBinary = @PayloadBinary, Version = Version + 1, ModifiedOn = now()
    WHERE @GrainStateVersion::integer IS NOT NULL
      AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
      AND GrainIdExtension = COALESCE(@GrainIdExtensionString, '''')
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
      AND Version = @GrainStateVersion
    RETURNING Version
), inserted AS (
    INSERT INTO OrleansStorage
        (ServiceId, GrainTypeString, GrainIdExtension, GrainIdN0, GrainIdN1, GrainIdHash, GrainTypeHash, PayloadBinary, Version)
    SELECT @ServiceId, @GrainTypeString, COALESCE(@GrainIdExtensionString, ''''), @GrainIdN0, @GrainIdN1, @GrainIdHash, @GrainTypeHash,
           @PayloadBinary, 1
    WHERE @GrainStateVersion::integer IS NULL
    ON CONFLICT DO NOTHING
    RETURNING Version
)
SELECT Version AS NewGrainStateVersion FROM updated
UNION ALL
SELECT Version FROM inserted;
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', '
UPDATE OrleansStorage
SET PayloadBinary = NULL, Version = Version + 1, ModifiedOn = now()
WHERE ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtension = COALESCE(@GrainIdExtensionString, '''')
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND Version = @GrainStateVersion
  AND @GrainIdHash::integer IS NOT NULL AND @GrainTypeHash::integer IS NOT NULL
RETURNING Version AS NewGrainStateVersion;
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteStorageKey', '
DELETE FROM OrleansStorage
WHERE ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtension = COALESCE(@GrainIdExtensionString, '''')
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND Version = @GrainStateVersion
  AND @GrainIdHash::integer IS NOT NULL AND @GrainTypeHash::integer IS NOT NULL
RETURNING Version + 1 AS NewGrainStateVersion;
');
