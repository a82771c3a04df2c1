-- Extends the leases of this owner's running jobs. $1 job ids, $2 owner, $3 lease seconds.
-- A job missing from the result lost its lease (reaped or finished elsewhere): its worker aborts it.
UPDATE jobs SET lease_until = now() + make_interval(secs => $3)
 WHERE id = ANY($1::bigint[]) AND locked_by = $2 AND state = 'running'
RETURNING id, cancel_requested
