-- The leader's term: a fencing token that only grows. Each manager that takes the lead (today:
-- each manager that starts) claims the next one; agents refuse renewals with an older term.
CREATE TABLE leader_term (
    id          INTEGER      NOT NULL PRIMARY KEY,
    term        BIGINT       NOT NULL,
    holder      VARCHAR(64)  NOT NULL,
    claimed_at  BIGINT       NOT NULL
);
INSERT INTO leader_term (id, term, holder, claimed_at) VALUES (1, 0, '', 0);
