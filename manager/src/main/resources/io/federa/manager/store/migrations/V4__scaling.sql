-- Each scaled application's wanted instances, so that a restarted manager keeps them.
CREATE TABLE scaling_target (
    application VARCHAR(64) NOT NULL PRIMARY KEY,
    target      INTEGER     NOT NULL,
    changed_at  BIGINT      NOT NULL
);
