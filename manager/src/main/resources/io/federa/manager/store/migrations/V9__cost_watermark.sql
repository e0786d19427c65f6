-- What the cost lines account for (docs/cost.md, "Gaps"): per host, the end of the last interval
-- written, in milliseconds since the epoch. A manager that starts, or takes the lead, reports the
-- time from here to its own first interval as a gap: minutes a killed manager had not written yet
-- are reported, never silently missing.
CREATE TABLE cost_watermark (
    host           VARCHAR(256) NOT NULL PRIMARY KEY,
    through_millis BIGINT       NOT NULL
);
-- Lines written before this table: the end of each host's last minute.
INSERT INTO cost_watermark (host, through_millis)
    SELECT host, MAX(bucket_millis) + 60000 FROM cost_line WHERE resolution = 'm' GROUP BY host;
