-- Claims the oldest ready job whose run_after has come, together with a free slot of the global
-- cap, in one statement. $1 owner, $2 lease seconds. No row: nothing claimable (or no free slot).
WITH slot AS (
  SELECT s.slot FROM job_slots s WHERE s.job_id IS NULL ORDER BY s.slot LIMIT 1 FOR UPDATE SKIP LOCKED
), pick AS (
  SELECT j.id FROM jobs j
   WHERE j.state = 'queued' AND j.ready AND j.run_after <= now() AND EXISTS (SELECT 1 FROM slot)
   ORDER BY j.id LIMIT 1 FOR UPDATE SKIP LOCKED
), taken AS (
  UPDATE job_slots s SET job_id = pick.id FROM pick, slot WHERE s.slot = slot.slot RETURNING s.job_id
), claimed AS (
  UPDATE jobs j SET state = 'running', ready = false, attempts = j.attempts + 1, locked_by = $1,
         lease_until = now() + make_interval(secs => $2), started_at = CASE WHEN j.deadline IS NULL THEN now() ELSE j.started_at END,
         cancel_requested = false,
         deadline = coalesce(j.deadline, now() + make_interval(secs => j.timeout_s))
    FROM taken WHERE j.id = taken.job_id
  RETURNING j.*
), started AS (
  INSERT INTO events (kind, level, node, mac, message, data)
  SELECT 'job.started', 'info', n.name, c.node, format('job %s (%s) started, attempt %s', c.id, c.jig, c.attempts),
         jsonb_build_object('job', c.id, 'jig', c.jig, 'attempt', c.attempts, 'owner', $1::text)
    FROM claimed c JOIN nodes n ON n.mac = c.node
   WHERE c.started_at = now() -- not for a wait job's re-check
)
SELECT c.id, c.node::text AS node, n.name AS node_name, c.jig, c.args, c.attempts, c.max_attempts,
       c.timeout_s, c.deadline, c.chain_id
  FROM claimed c JOIN nodes n ON n.mac = c.node
