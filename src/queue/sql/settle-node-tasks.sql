-- Ends an offer of node tasks (take-node-tasks.sql). $1 node mac, $2 job ids, $3 whether the script
-- carrying them was written: then they are handed (each once, with its event); else offered again
-- to the node's next request.
WITH settled AS (
  UPDATE jobs SET handed_at = CASE WHEN $3::boolean THEN now() END, offered_until = NULL
   WHERE id = ANY($2::bigint[]) AND node = $1::macaddr AND state = 'running' AND locked_by = 'node' AND handed_at IS NULL
  RETURNING id, node
)
INSERT INTO events (kind, level, node, mac, message, data)
SELECT 'job.handed', 'info', n.name, s.node, format('job %s handed to the node', s.id), jsonb_build_object('job', s.id)
  FROM settled s JOIN nodes n ON n.mac = s.node
 WHERE $3::boolean
