-- Cost (docs/cost.md): what each application used on each host and what it cost, and each host's
-- idle capacity (application "(idle)"), summed per bucket: resolution m (a minute), h (an hour),
-- d (a day), bucket_millis its start in milliseconds since the epoch (UTC). Hours are summed from
-- minutes and days from hours as each closes; rows of one key may repeat and are summed on read.
CREATE TABLE cost_line (
    resolution        CHAR(1)          NOT NULL,
    bucket_millis     BIGINT           NOT NULL,
    host              VARCHAR(256)     NOT NULL,
    site              VARCHAR(256)     NOT NULL,
    application       VARCHAR(256)     NOT NULL,
    currency          VARCHAR(16)      NOT NULL,
    cpu_nanoseconds   BIGINT           NOT NULL,
    storage_gib_hours DOUBLE PRECISION NOT NULL,
    bytes_sent        BIGINT           NOT NULL,
    packets_sent      BIGINT           NOT NULL,
    cost              DOUBLE PRECISION NOT NULL,
    gap_millis        BIGINT           NOT NULL
);
CREATE INDEX cost_line_at ON cost_line (resolution, bucket_millis);
