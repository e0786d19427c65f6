-- What operators asked of each service: STARTED (keep it running) or STOPPED.
CREATE TABLE service_desired (
    service     VARCHAR(64)  NOT NULL PRIMARY KEY,
    state       VARCHAR(16)  NOT NULL,
    changed_at  BIGINT       NOT NULL,
    changed_by  VARCHAR(128) NOT NULL
);

-- The VMs the manager placed and answers for: where each was last put, and its epoch.
CREATE TABLE managed_instance (
    name         VARCHAR(64)  NOT NULL PRIMARY KEY,
    application  VARCHAR(64)  NOT NULL,
    service      VARCHAR(64)  NOT NULL,
    host         VARCHAR(128) NOT NULL,
    epoch        BIGINT       NOT NULL
);

-- Hosts taken out of placement by an operator.
CREATE TABLE host_cordon (
    host        VARCHAR(128) NOT NULL PRIMARY KEY,
    cordoned_at BIGINT       NOT NULL,
    cordoned_by VARCHAR(128) NOT NULL
);
