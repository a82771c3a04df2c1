-- Offers a node the tasks it must run. $1 node mac. A task is offered to one script at a time; it
-- counts as handed only once that script was written (settle-node-tasks.sql). An offer whose
-- settling never came (the daemon died while writing) lapses after two minutes. Its claim
-- number names the attempt, so that a late report of an earlier attempt cannot end this one.
WITH offered AS (
  UPDATE jobs SET offered_until = now() + interval '2 minutes'
   WHERE node = $1::macaddr AND state = 'running' AND locked_by = 'node' AND handed_at IS NULL
     AND (offered_until IS NULL OR offered_until < now())
  RETURNING id, args, claim
)
SELECT id, args, claim FROM offered ORDER BY id
