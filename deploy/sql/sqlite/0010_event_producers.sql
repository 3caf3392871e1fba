-- The events of jobs and the wallet's notices (issue #14). A job's events are kept under the subject 'job:<jobId>' (ids
-- have no colon, so never a freelancer's), with the job's status and its price in Connects before and after; null for a
-- wallet's event.
ALTER TABLE ConnectsEvent ADD COLUMN JobStatus INTEGER NULL;
ALTER TABLE ConnectsEvent ADD COLUMN PriceBefore INTEGER NULL;
ALTER TABLE ConnectsEvent ADD COLUMN PriceAfter INTEGER NULL;

-- When each wallet's next expiring notice falls due (Unix seconds): a row written before the write that adds a bucket
-- with an expiry, read by one reminder (the expiry notice grain) once due and deleted once the wallet was brought up to
-- that instant. So an idle wallet's expiring event needs no reminder of its own.
CREATE TABLE ConnectsExpiryNotice
(
    DueAt        INTEGER NOT NULL,
    FreelancerId TEXT    NOT NULL,
    PRIMARY KEY (DueAt, FreelancerId)
) WITHOUT ROWID;
