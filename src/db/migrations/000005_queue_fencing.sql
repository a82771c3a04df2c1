-- Fencing per attempt, not per daemon; claims whose reply was lost are taken up again, not
-- orphaned; job processes recorded so that they never outlive their daemon unnoticed (issue 8).
--   * claim: the token of the attempt that holds a running job. A daemon numbers its claims
--     (owner, claim is unique); renewal, finish and start are fenced on (owner, claim), so an
--     attempt whose lease ran out cannot renew, finish or announce a later attempt of its job.
--   * pgid, pgid_start: the process group the attempt runs (its leader's pid and start time in
--     clock ticks since boot, /proc/<pid>/stat), written once the process exists.
--   * job_owners: every daemon's host, boot, process and exits folder (where a job's process group
--     records its exit status, for a daemon that outlives its owner). Only a daemon on the
--     owner's host can tell whether the owner and its processes are gone; so only it hands the
--     node on, with the exit status the group recorded if it ran to its end.

ALTER TABLE jobs ADD COLUMN claim bigint, ADD COLUMN pgid integer, ADD COLUMN pgid_start bigint;

-- A node task is offered to one script at a time (src/queue/sql/take-node-tasks.sql) and counts
-- as handed (handed_at) only once that script was written; until then this holds other requests
-- off, and it lapses if the daemon died before it knew. A new attempt starts with neither.
ALTER TABLE jobs ADD COLUMN offered_until timestamptz;
ALTER TYPE muster_claimed_job ADD ATTRIBUTE claim bigint;

CREATE TABLE job_owners (
  owner      text PRIMARY KEY,
  host       text NOT NULL,
  boot_id    text NOT NULL,
  pid        integer NOT NULL,
  pid_start  bigint NOT NULL,
  exits      text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now()
);

DROP FUNCTION muster_claim_job(text, integer, integer);
DROP FUNCTION muster_finish_and_claim(bigint, macaddr, integer, text, text, text, jsonb, text, integer, integer);
DROP FUNCTION muster_finish_job(bigint, text, text, text, jsonb, text, integer);
DROP FUNCTION muster_job_started(bigint, text);
DROP FUNCTION muster_expired_jobs();

-- Claims the oldest ready job whose run_after has come, as claim p_claim of p_owner. p_slot: the
-- slot the caller gave back in this transaction (kept unless a lowered cap dropped it); NULL: any
-- free slot (two claimers racing for one slot: the loser gets unique_violation on jobs_slot_held
-- and nothing changes), and first the job p_claim names if that claim committed already (the
-- caller retries a claim whose reply it never got). A result of NULLs: nothing claimable or no slot.
CREATE FUNCTION muster_claim_job(p_owner text, p_lease_s integer, p_slot integer, p_claim bigint) RETURNS muster_claimed_job
LANGUAGE plpgsql
-- Plans must not depend on statistics: the pop walks jobs_ready_fifo in id order and the free slots
-- come from jobs_slot_held. On statistics taken while few jobs were ready the planner would sort
-- every ready job, or scan every job for the slots, on each claim (10x slower in a fresh backlog).
-- No JIT: a plan that had to take a disabled path would cost enough to be compiled on every call.
SET enable_sort = off SET enable_bitmapscan = off SET enable_seqscan = off SET jit = off
AS $$
DECLARE v_slot integer := p_slot; v_free integer[]; v_claimed muster_claimed_job;
BEGIN
  IF v_slot IS NULL THEN
    v_claimed := muster_claimed(p_owner, p_claim);
    IF v_claimed.id IS NOT NULL THEN RETURN v_claimed; END IF;
    SELECT array_agg(s.slot) INTO v_free FROM job_slots s WHERE NOT EXISTS (SELECT 1 FROM jobs r WHERE r.slot = s.slot);
    IF v_free IS NULL THEN RETURN NULL; END IF;
    v_slot := v_free[1 + floor(random() * cardinality(v_free))::integer];  -- concurrent claimers seldom collide
  END IF;
  UPDATE jobs j SET state = 'running', ready = false, slot = v_slot, attempts = j.attempts + 1, locked_by = p_owner,
         claim = p_claim, pgid = NULL, pgid_start = NULL,
         lease_until = now() + make_interval(secs => p_lease_s), cancel_requested = false,
         -- a deadline still set means a wait job's re-check: the same attempt goes on
         started_at = CASE WHEN j.deadline IS NULL THEN now() ELSE j.started_at END,
         deadline = coalesce(j.deadline, now() + make_interval(secs => j.timeout_s))
  FROM nodes n
   WHERE j.id = (SELECT id FROM jobs WHERE ready AND run_after <= now() ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
     AND n.mac = j.node AND EXISTS (SELECT 1 FROM job_slots s WHERE s.slot = v_slot)
  RETURNING j.id, j.node::text, n.name, j.jig, j.args, j.attempts, j.max_attempts, j.timeout_s, j.deadline, j.chain_id,
            j.slot, j.claim
  INTO v_claimed;
  RETURN v_claimed;
END $$;

-- The job that claim p_claim of p_owner holds, if that claim committed and still holds it (the
-- running jobs are few: they are walked through jobs_one_running_per_node).
CREATE FUNCTION muster_claimed(p_owner text, p_claim bigint) RETURNS muster_claimed_job
LANGUAGE sql STABLE SET enable_seqscan = off SET jit = off AS $$
  SELECT j.id, j.node::text, n.name, j.jig, j.args, j.attempts, j.max_attempts, j.timeout_s, j.deadline, j.chain_id,
         j.slot, j.claim
    FROM jobs j JOIN nodes n ON n.mac = j.node
   WHERE j.state = 'running' AND j.locked_by = p_owner AND j.claim = p_claim
$$;

-- See 000003. Fenced on the claim too: a lasting run of an earlier attempt announces nothing.
CREATE FUNCTION muster_job_started(p_id bigint, p_owner text, p_claim bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE v_job jobs;
BEGIN
  SELECT * INTO v_job FROM jobs WHERE id = p_id AND state = 'running' AND locked_by = p_owner AND claim = p_claim FOR SHARE;
  IF FOUND THEN
    PERFORM muster_job_event('job.started', 'info', v_job,
      format('job %s (%s) started %s s ago, attempt %s', p_id, v_job.jig, round(extract(epoch FROM now() - v_job.started_at)), v_job.attempts));
  END IF;
END $$;

-- Records the process group an attempt runs (its leader's pid and start time).
CREATE FUNCTION muster_job_process(p_id bigint, p_owner text, p_claim bigint, p_pgid integer, p_start bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE jobs SET pgid = p_pgid, pgid_start = p_start
   WHERE id = p_id AND state = 'running' AND locked_by = p_owner AND claim = p_claim;
  RETURN FOUND;
END $$;

-- Running jobs a reaper on host p_host must look at: every job whose lease ran out, and every job
-- of another daemon on p_host (that daemon may have died: its host can tell, at once). With the
-- owner's host, boot and process, for the reaper to decide; owner NULL: a node task, or a daemon
-- that registered no owner row.
CREATE FUNCTION muster_reapable_jobs(p_host text, p_me text)
RETURNS TABLE (id bigint, claim bigint, locked_by text, attempts integer, expired boolean, pgid integer, pgid_start bigint,
               host text, boot_id text, pid integer, pid_start bigint, exits text)
LANGUAGE plpgsql STABLE SET enable_seqscan = off SET jit = off AS $$
BEGIN
  RETURN QUERY SELECT j.id, j.claim, j.locked_by, j.attempts, j.lease_until < now(), j.pgid, j.pgid_start,
                      o.host, o.boot_id, o.pid, o.pid_start, o.exits
    FROM jobs j LEFT JOIN job_owners o ON o.owner = j.locked_by
   WHERE j.state = 'running' AND j.locked_by <> p_me AND (j.lease_until < now() OR o.host = p_host)
   ORDER BY j.id LIMIT 200;
END $$;

-- Ends one attempt of a running job: see 000003 for the outcomes. Fenced on the attempt: p_owner
-- and p_claim must hold it ('node' for a node task: its node reports without a claim); 'expired'
-- is the reaper's, which names the holder it found (gone or out of lease) and, for a node task,
-- needs the lease (the task's deadline) to have run out. So do p_node and p_slot, the job's node
-- and slot as its claim returned them. state: the new state, NULL when the attempt did not hold
-- the job (nothing changed). With p_lease_s, claims the next job as claim p_next into the slot the
-- ended job gave back, in the same transaction: next, or NULL. Called again with the same claims
-- after a reply was lost, it changes nothing and returns what the first call did (state when this
-- attempt ended the job and nothing ran since; next when that claim holds a job).
CREATE FUNCTION muster_finish_and_claim(p_id bigint, p_node macaddr, p_slot integer, p_owner text, p_claim bigint,
                                        p_outcome text, p_error text, p_result jsonb, p_log text, p_retry_ms integer,
                                        p_lease_s integer, p_next bigint, OUT state text, OUT next muster_claimed_job)
LANGUAGE plpgsql AS $$
DECLARE v_job jobs; v_due boolean := false;
BEGIN
  PERFORM muster_lock_node(p_node);
  IF p_outcome = 'async' THEN
    -- The node's next ready script hands it out (once per attempt).
    UPDATE jobs j SET locked_by = 'node', lease_until = j.deadline, slot = NULL, handed_at = NULL, offered_until = NULL, log = coalesce(p_log, j.log)
     WHERE j.id = p_id AND j.node = p_node AND j.slot IS NOT DISTINCT FROM p_slot AND j.state = 'running'
       AND j.locked_by = p_owner AND j.claim = p_claim
    RETURNING j.* INTO v_job;
  ELSE
    UPDATE jobs j SET
        state = muster_next_state(p_outcome, j.attempts, j.max_attempts),
        ready = muster_next_state(p_outcome, j.attempts, j.max_attempts) = 'queued',
        finished_at = CASE WHEN muster_next_state(p_outcome, j.attempts, j.max_attempts) = 'queued' THEN NULL ELSE now() END,
        attempts = j.attempts - CASE WHEN p_outcome IN ('snooze', 'released') THEN 1 ELSE 0 END,
        run_after = now() + make_interval(secs => coalesce(p_retry_ms, 0) / 1000.0),
        deadline = CASE WHEN p_outcome = 'snooze' THEN j.deadline END,
        locked_by = NULL, lease_until = NULL, slot = NULL, pgid = NULL, pgid_start = NULL,
        error = CASE WHEN p_outcome IN ('snooze', 'released') THEN j.error ELSE p_error END,
        result = coalesce(p_result, j.result),
        log = coalesce(p_log, j.log)
     WHERE j.id = p_id AND j.node = p_node AND j.slot IS NOT DISTINCT FROM p_slot AND j.state = 'running'
       AND j.locked_by = p_owner
       AND (p_owner = 'node' OR j.claim IS NOT DISTINCT FROM p_claim)
       AND (p_outcome <> 'expired' OR p_owner <> 'node' OR j.lease_until < now())
    RETURNING j.* INTO v_job;
  END IF;
  IF NOT FOUND THEN
    -- A retry of a call that committed: its claim holds the next job; the ended job keeps the
    -- claim (and shows its state) until another attempt claims it.
    IF p_next IS NOT NULL THEN next := muster_claimed(p_owner, p_next); END IF;
    IF next.id IS NOT NULL THEN
      SELECT j.state INTO state FROM jobs j WHERE j.id = p_id AND j.claim = p_claim AND j.locked_by IS DISTINCT FROM p_owner;
    END IF;
    RETURN;
  END IF;
  state := v_job.state;
  IF p_outcome IN ('async', 'snooze') THEN
    NULL;
  ELSIF p_outcome = 'released' THEN
    PERFORM muster_job_event('job.released', 'info', v_job, format('job %s released at shutdown; queued again', p_id));
  ELSIF v_job.state = 'queued' THEN
    PERFORM muster_job_event('job.retrying', 'warn', v_job,
      format('job %s attempt %s of %s failed, retry in %s s: %s', p_id, v_job.attempts, v_job.max_attempts,
             round(coalesce(p_retry_ms, 0) / 1000.0, 1), p_error));
  ELSE
    PERFORM muster_job_event('job.' || v_job.state, CASE v_job.state WHEN 'succeeded' THEN 'info' ELSE 'error' END,
      v_job, format('job %s (%s) %s%s', p_id, v_job.jig, v_job.state, coalesce(': ' || p_error, '')));
    IF v_job.state <> 'succeeded' THEN PERFORM muster_cancel_chain_rest(v_job); END IF;
  END IF;
  IF v_job.state = 'queued' THEN
    v_due := v_job.run_after <= now();  -- still its node's head
  ELSIF v_job.state <> 'running' THEN
    v_due := muster_hand_on(p_node, p_id);
  END IF;
  IF p_lease_s IS NOT NULL AND p_slot IS NOT NULL THEN
    next := muster_claim_job(p_owner, p_lease_s, p_slot, p_next);
  END IF;
  IF v_due THEN PERFORM muster_wake_workers(); END IF;
END $$;

-- Ends one attempt without claiming (reaper, node reports, cancel, stop). Returns the new state or NULL.
CREATE FUNCTION muster_finish_job(p_id bigint, p_owner text, p_claim bigint, p_outcome text, p_error text, p_result jsonb,
                                  p_log text, p_retry_ms integer)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE v_node macaddr; v_slot integer;
BEGIN
  SELECT node, slot INTO v_node, v_slot FROM jobs WHERE id = p_id;
  IF NOT FOUND THEN RETURN NULL; END IF;
  RETURN (muster_finish_and_claim(p_id, v_node, v_slot, p_owner, p_claim, p_outcome, p_error, p_result, p_log, p_retry_ms,
                                  NULL, NULL)).state;
END $$;

-- See 000003; a node task is ended with its node's (claimless) fence.
CREATE OR REPLACE FUNCTION muster_cancel_job(p_id bigint, p_reason text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v_node macaddr; v_job jobs; v_was_ready boolean;
BEGIN
  SELECT node INTO v_node FROM jobs WHERE id = p_id;
  IF NOT FOUND THEN RETURN NULL; END IF;
  PERFORM muster_lock_node(v_node);
  SELECT * INTO v_job FROM jobs WHERE id = p_id FOR UPDATE;
  IF v_job.state = 'running' AND v_job.locked_by = 'node' THEN
    PERFORM muster_finish_job(p_id, 'node', NULL, 'cancelled', p_reason, NULL, NULL, NULL);
  ELSIF v_job.state = 'running' THEN
    UPDATE jobs SET cancel_requested = true WHERE id = p_id;
  ELSIF v_job.state = 'queued' THEN
    v_was_ready := v_job.ready;
    UPDATE jobs SET state = 'cancelled', ready = false, finished_at = now(), error = p_reason
     WHERE id = p_id RETURNING * INTO v_job;
    PERFORM muster_job_event('job.cancelled', 'warn', v_job, format('job %s cancelled: %s', p_id, p_reason));
    PERFORM muster_cancel_chain_rest(v_job);
    -- Only the head's cancel frees the node; a later job's leaves the head where it is.
    IF v_was_ready AND muster_hand_on(v_node, p_id) THEN PERFORM muster_wake_workers(); END IF;
    RETURN 'queued';
  END IF;
  RETURN v_job.state;
END $$;
