-- Running jobs whose lease ran out: their daemon died, or a node never reported its task.
SELECT id, locked_by, attempts, max_attempts FROM jobs
 WHERE state = 'running' AND lease_until < now()
 ORDER BY id LIMIT 200
