-- The wallets of each renewal day (the day of the month their billing cycles renew on, 1-31): one row per wallet,
-- written when it opens. One reminder per renewal day refreshes them all at the renewal instant (the refresh
-- cohort), reading this roll page by page in FreelancerId order, so the reminder table holds 31 rows, not one per wallet.
CREATE TABLE ConnectsRenewalCohort
(
    RenewalDay   INTEGER NOT NULL CHECK (RenewalDay BETWEEN 1 AND 31),
    FreelancerId TEXT    NOT NULL,
    PRIMARY KEY (RenewalDay, FreelancerId)
) WITHOUT ROWID;
