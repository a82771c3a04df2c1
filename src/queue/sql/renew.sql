-- Extends the leases of this owner's running attempts. $1 job ids, $2 their claims, $3 owner,
-- $4 lease seconds. An attempt missing from the result lost its job (reaped, or finished
-- elsewhere): its worker aborts it. (A claim names one job of its owner, so pairing is not needed.)
UPDATE jobs SET lease_until = now() + make_interval(secs => $4)
 WHERE id = ANY($1::bigint[]) AND claim = ANY($2::bigint[]) AND locked_by = $3 AND state = 'running'
RETURNING claim, cancel_requested
