-- The migration journal: each VM move, rewritten whole at every change of phase before the
-- manager acts on it, so a restarted manager resumes every unfinished one.
CREATE TABLE vm_migration (
    id           VARCHAR(32)   NOT NULL PRIMARY KEY,
    seq          BIGINT        NOT NULL,
    vm           VARCHAR(64)   NOT NULL,
    phase        VARCHAR(16)   NOT NULL,
    finished     BOOLEAN       NOT NULL,
    requested_at BIGINT        NOT NULL,
    updated_at   BIGINT        NOT NULL,
    state        VARCHAR(8000) NOT NULL
);
CREATE INDEX vm_migration_open ON vm_migration (finished, seq);
