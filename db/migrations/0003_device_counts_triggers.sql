-- Keeps device_counts exact. Statement-level triggers with transition tables: a 100,000-row
-- import costs one aggregated upsert, and an update that changes neither status nor hub writes
-- nothing. Rows are upserted in key order so concurrent transactions lock counters in one order.
CREATE FUNCTION device_counts_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO device_counts (status, hub, count)
  SELECT status, coalesce(assigned_hub, ''), count(*) FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (status, hub) DO UPDATE SET count = device_counts.count + excluded.count;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION device_counts_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO device_counts (status, hub, count)
  SELECT status, hub, sum(delta) FROM (
    SELECT status, coalesce(assigned_hub, '') AS hub, -1 AS delta FROM old_rows
    UNION ALL
    SELECT status, coalesce(assigned_hub, ''), 1 FROM new_rows
  ) changes
  GROUP BY 1, 2 HAVING sum(delta) <> 0 ORDER BY 1, 2
  ON CONFLICT (status, hub) DO UPDATE SET count = device_counts.count + excluded.count;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION device_counts_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO device_counts (status, hub, count)
  SELECT status, coalesce(assigned_hub, ''), -count(*) FROM old_rows GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (status, hub) DO UPDATE SET count = device_counts.count + excluded.count;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER device_counts_insert AFTER INSERT ON devices REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION device_counts_after_insert();
--> statement-breakpoint
CREATE TRIGGER device_counts_update AFTER UPDATE ON devices REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION device_counts_after_update();
--> statement-breakpoint
CREATE TRIGGER device_counts_delete AFTER DELETE ON devices REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION device_counts_after_delete();
--> statement-breakpoint
-- TRUNCATE bypasses row triggers; start from zero with it.
CREATE FUNCTION device_counts_after_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM device_counts;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER device_counts_truncate AFTER TRUNCATE ON devices FOR EACH STATEMENT EXECUTE FUNCTION device_counts_after_truncate();
