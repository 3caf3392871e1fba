-- Marks the grain state write query as batchable: with Connects:Storage:BatchWrites on (the default), the silo's
-- storage layer (src/Silo/StateWriteBatching.cs) recognises a statement that begins with this marker and runs it
-- together with the other grain state writes waiting at that moment: in one transaction (one commit, so one WAL
-- sync) under the silo's write gate, each write still checking its own version and returning its own new version
-- (or no row: a version conflict for that grain alone). With the setting off, Orleans' ADO.NET provider runs the
-- very same text; the marker is a comment and changes nothing there.
--
-- What the marker promises: the text takes only its own parameters and touches only its own grain's row, so that
-- running it in a transaction with other such writes means the same as running it alone. A marked write that fails
-- (any error, not a version conflict) fails the whole batch it is in.
UPDATE OrleansQuery
SET QueryText = '/* connects:batchable-write */' || QueryText
WHERE QueryKey = 'WriteToStorageKey';
