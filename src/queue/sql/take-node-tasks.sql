-- Hands a node the tasks it must run (each at most once). $1 node mac.
WITH handed AS (
  UPDATE jobs SET handed_at = now()
   WHERE node = $1::macaddr AND state = 'running' AND locked_by = 'node' AND handed_at IS NULL
  RETURNING id, node, jig, args, attempts, chain_id, state, error
), ev AS (
  INSERT INTO events (kind, level, node, mac, message, data)
  SELECT 'job.handed', 'info', n.name, h.node, format('job %s handed to the node', h.id), jsonb_build_object('job', h.id)
    FROM handed h JOIN nodes n ON n.mac = h.node
)
SELECT id, args FROM handed ORDER BY id
