-- Every accepted definition document, whole, one row per version. The current catalog is the
-- latest version; earlier ones stay for history and roll-back.
CREATE TABLE definition_version (
    version     INTEGER      NOT NULL PRIMARY KEY,
    applied_at  TIMESTAMP    NOT NULL,
    applied_by  VARCHAR(128) NOT NULL,
    change      VARCHAR(512) NOT NULL,
    document    TEXT         NOT NULL
);
