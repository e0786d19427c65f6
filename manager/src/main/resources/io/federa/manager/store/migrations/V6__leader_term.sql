-- Leadership among managers that share this store. One row: the leader's term (a fencing token
-- that only grows: agents refuse renewals and commands of an older term, and the store refuses
-- the lifecycle writes of a deposed leader), who holds it, where its API answers, and until when
-- its claim holds unless renewed. A manager takes the lead only once the claim has expired.
CREATE TABLE leader_term (
    id          INTEGER      NOT NULL PRIMARY KEY,
    term        BIGINT       NOT NULL,
    holder      VARCHAR(64)  NOT NULL,
    holder_url  VARCHAR(500) NOT NULL,
    claimed_at  BIGINT       NOT NULL,
    expires_at  BIGINT       NOT NULL
);
INSERT INTO leader_term (id, term, holder, holder_url, claimed_at, expires_at) VALUES (1, 0, '', '', 0, 0);

-- Every manager says it is alive here, with what it sees: `federa managers`.
CREATE TABLE manager_member (
    name              VARCHAR(64)  NOT NULL PRIMARY KEY,
    url               VARCHAR(500) NOT NULL,
    seen_at           BIGINT       NOT NULL,
    term              BIGINT       NOT NULL,
    is_leader         BOOLEAN      NOT NULL,
    agents_reachable  INTEGER      NOT NULL,
    agents            INTEGER      NOT NULL
);
