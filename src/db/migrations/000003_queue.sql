-- The jig queue: one row per task on a node (see src/queue/ and docs of issue 4).
-- Invariants, each enforced here and not only in application code:
--   * at most one running job per node, and at most one head: a node has either its running job or
--     one ready job, never both (jobs_one_running_per_node)
--   * per node only the oldest queued job is "ready" (claimable); completion hands the marker on
--     under a per-node transaction lock, so enqueue and completion of one node never interleave
--   * at most N jobs run on the master across every daemon: each holds a slot number of job_slots
--     on its own row, and no slot number is held twice (jobs_slot_held)
-- Every state change writes its event row in the same transaction, except the start of a run: see
-- muster_job_started.
-- Hot path: a worker ends its job and claims the next in one call (muster_finish_and_claim), one
-- transaction and one commit per job; functions are plpgsql so their plans stay cached per session.

-- Value rules as domains: checked when a value is written. A table CHECK would be re-read and
-- re-planned by every statement that updates a job (a tenth of the database's time in a backlog).
CREATE DOMAIN muster_job_state AS text CHECK (VALUE IN ('queued', 'running', 'succeeded', 'failed', 'cancelled'));
CREATE DOMAIN muster_job_attempts AS integer CHECK (VALUE BETWEEN 1 AND 100);
CREATE DOMAIN muster_job_timeout AS integer CHECK (VALUE > 0);

CREATE TABLE jobs (
  id               bigserial PRIMARY KEY,
  node             macaddr NOT NULL REFERENCES nodes(mac) ON DELETE CASCADE,
  jig              text NOT NULL,
  args             jsonb NOT NULL DEFAULT '{}',
  state            muster_job_state NOT NULL DEFAULT 'queued',
  -- Head of its node's FIFO (a queued job): only a ready job may be claimed.
  ready            boolean NOT NULL DEFAULT false,
  attempts         integer NOT NULL DEFAULT 0,
  max_attempts     muster_job_attempts NOT NULL DEFAULT 1,
  -- Time limit of one attempt; a wait job's limit spans its re-checks.
  timeout_s        muster_job_timeout NOT NULL,
  run_after        timestamptz NOT NULL DEFAULT now(),
  deadline         timestamptz,
  -- Lease: the owning daemon ('node' while a node task waits for the node's report).
  locked_by        text,
  lease_until      timestamptz,
  -- Slot of the global cap while a worker runs the job (a node task gives it back).
  slot             integer,
  cancel_requested boolean NOT NULL DEFAULT false,
  handed_at        timestamptz,
  chain_id         bigint,
  chain_pos        integer,
  idempotency_key  text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  finished_at      timestamptz,
  result           jsonb,
  error            text,
  log              text NOT NULL DEFAULT ''
);
-- Few indexes: a claim or a finish changes indexed columns, so every index takes a new entry, and
-- every statement that writes a job opens and locks each one. (A chain's steps are on one node: its
-- rest is found through jobs_node_idx; the reaper walks jobs_one_running_per_node.)
CREATE UNIQUE INDEX jobs_one_running_per_node ON jobs (node) WHERE state = 'running' OR ready;
CREATE UNIQUE INDEX jobs_slot_held ON jobs (slot) WHERE slot IS NOT NULL;
CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX jobs_ready_fifo ON jobs (id) WHERE ready;
CREATE INDEX jobs_node_idx ON jobs (node, id);
CREATE SEQUENCE job_chain_seq;

-- The slot numbers of the global cap (1..N). Never updated by claims: a slot is held on the job row.
CREATE TABLE job_slots (slot integer PRIMARY KEY);

-- What a claim hands a worker.
CREATE TYPE muster_claimed_job AS (
  id bigint, node text, node_name text, jig text, args jsonb, attempts integer, max_attempts integer,
  timeout_s integer, deadline timestamptz, chain_id bigint, slot integer
);

CREATE FUNCTION muster_job_event(p_kind text, p_level text, p_job jobs, p_message text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO events (kind, level, node, mac, message, data)
  SELECT p_kind, p_level, n.name, p_job.node, p_message,
         jsonb_build_object('job', p_job.id, 'jig', p_job.jig, 'state', p_job.state, 'attempt', p_job.attempts,
                            'chain', p_job.chain_id, 'owner', p_job.locked_by, 'error', p_job.error)
    FROM nodes n WHERE n.mac = p_job.node;
END $$;

-- Enqueue, completion and cancel of one node serialize on this transaction lock. (SQL, so that it
-- is inlined into its callers' cached plans.)
CREATE FUNCTION muster_lock_node(p_node macaddr) RETURNS void LANGUAGE sql AS $$
  SELECT pg_advisory_xact_lock(1836413793, hashtext(p_node::text));
$$;

-- A job became claimable now: wake idle workers, if a slot is free for one (a hint, workers poll too).
-- A worker ending its job claims the next in the same transaction, so a backlog sends no notifications.
-- (seqscan off: on statistics of a fresh backlog the planner scans every job for the count; jit off:
-- a plan that has to take a disabled path costs enough to be compiled, on every call.)
CREATE FUNCTION muster_wake_workers() RETURNS void LANGUAGE plpgsql SET enable_seqscan = off SET jit = off AS $$
BEGIN
  IF (SELECT count(*) FROM jobs WHERE slot IS NOT NULL) < (SELECT count(*) FROM job_slots) THEN
    PERFORM pg_notify('muster_jobs', '');
  END IF;
END $$;

-- Gives the ready marker to the node's oldest queued job once its head p_after (running or ready)
-- ended. Every queued job of the node is younger than its head: the walk starts there, however long
-- the node's history. The unique index refuses a second head. Returns whether the job is due now.
CREATE FUNCTION muster_hand_on(p_node macaddr, p_after bigint) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE v_due boolean;
BEGIN
  UPDATE jobs SET ready = true
   WHERE id = (SELECT id FROM jobs WHERE node = p_node AND id > p_after AND state = 'queued' ORDER BY id LIMIT 1)
  RETURNING run_after <= now() INTO v_due;
  RETURN coalesce(v_due, false);
END $$;

-- Claims the oldest ready job whose run_after has come. p_slot: the slot the caller gave back in
-- this transaction (kept unless a lowered cap dropped it); NULL: any free slot (two claimers racing
-- for one slot: the loser gets unique_violation on jobs_slot_held and nothing changes). A result of
-- NULLs: nothing claimable or no slot.
CREATE FUNCTION muster_claim_job(p_owner text, p_lease_s integer, p_slot integer) RETURNS muster_claimed_job
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
    SELECT array_agg(s.slot) INTO v_free FROM job_slots s WHERE NOT EXISTS (SELECT 1 FROM jobs r WHERE r.slot = s.slot);
    IF v_free IS NULL THEN RETURN NULL; END IF;
    v_slot := v_free[1 + floor(random() * cardinality(v_free))::integer];  -- concurrent claimers seldom collide
  END IF;
  UPDATE jobs j SET state = 'running', ready = false, slot = v_slot, attempts = j.attempts + 1, locked_by = p_owner,
         lease_until = now() + make_interval(secs => p_lease_s), cancel_requested = false,
         -- a deadline still set means a wait job's re-check: the same attempt goes on
         started_at = CASE WHEN j.deadline IS NULL THEN now() ELSE j.started_at END,
         deadline = coalesce(j.deadline, now() + make_interval(secs => j.timeout_s))
  FROM nodes n
   WHERE j.id = (SELECT id FROM jobs WHERE ready AND run_after <= now() ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
     AND n.mac = j.node AND EXISTS (SELECT 1 FROM job_slots s WHERE s.slot = v_slot)
  RETURNING j.id, j.node::text, n.name, j.jig, j.args, j.attempts, j.max_attempts, j.timeout_s, j.deadline, j.chain_id,
            j.slot
  INTO v_claimed;
  RETURN v_claimed;
END $$;

-- The start of a run is news only if the run lasts: the worker calls this once a run has lasted a
-- while (a no-op job shows as queued and succeeded, and costs one event row less). The row lock
-- orders the event before the job's end; a job that ended meanwhile gets none.
CREATE FUNCTION muster_job_started(p_id bigint, p_owner text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE v_job jobs;
BEGIN
  SELECT * INTO v_job FROM jobs WHERE id = p_id AND state = 'running' AND locked_by = p_owner FOR SHARE;
  IF FOUND THEN
    PERFORM muster_job_event('job.started', 'info', v_job,
      format('job %s (%s) started %s s ago, attempt %s', p_id, v_job.jig, round(extract(epoch FROM now() - v_job.started_at)), v_job.attempts));
  END IF;
END $$;

-- Running jobs whose lease ran out: their daemon died, or a node never reported its task. (No seq
-- scan of the whole history, whatever the statistics say; no JIT for the plan that results.)
CREATE FUNCTION muster_expired_jobs() RETURNS TABLE (id bigint, locked_by text, attempts integer, max_attempts integer)
LANGUAGE plpgsql STABLE SET enable_seqscan = off SET jit = off AS $$
BEGIN
  RETURN QUERY SELECT j.id, j.locked_by, j.attempts, j.max_attempts::integer FROM jobs j
   WHERE j.state = 'running' AND j.lease_until < now() ORDER BY j.id LIMIT 200;
END $$;

-- Queues one job. Returns its id and whether it is new (false: the idempotency key existed).
CREATE FUNCTION muster_add_job(p_node macaddr, p_jig text, p_args jsonb, p_max_attempts integer,
                               p_timeout_s integer, p_run_after timestamptz, p_chain_id bigint,
                               p_chain_pos integer, p_key text)
RETURNS TABLE (job_id bigint, created boolean) LANGUAGE plpgsql AS $$
DECLARE v_job jobs;
BEGIN
  PERFORM muster_lock_node(p_node);
  INSERT INTO jobs (node, jig, args, max_attempts, timeout_s, run_after, chain_id, chain_pos, idempotency_key, ready)
  VALUES (p_node, p_jig, p_args, p_max_attempts, p_timeout_s, coalesce(p_run_after, now()), p_chain_id,
          -- a node with unfinished jobs has a head (running or ready): it alone need be looked for
          p_chain_pos, p_key, NOT EXISTS (SELECT 1 FROM jobs e WHERE e.node = p_node AND (e.state = 'running' OR e.ready)))
  ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
  RETURNING * INTO v_job;
  IF NOT FOUND THEN
    RETURN QUERY SELECT j.id, false FROM jobs j WHERE j.idempotency_key = p_key;
    RETURN;
  END IF;
  PERFORM muster_job_event('job.queued', 'info', v_job, format('job %s (%s) queued', v_job.id, p_jig));
  IF v_job.ready AND v_job.run_after <= now() THEN PERFORM muster_wake_workers(); END IF;
  RETURN QUERY SELECT v_job.id, true;
END $$;

-- Cancels the queued rest of a chain after one of its steps failed or was cancelled.
CREATE FUNCTION muster_cancel_chain_rest(p_job jobs) RETURNS void LANGUAGE plpgsql AS $$
DECLARE v_rest jobs;
BEGIN
  IF p_job.chain_id IS NULL THEN RETURN; END IF;
  FOR v_rest IN
    UPDATE jobs SET state = 'cancelled', ready = false, finished_at = now(),
           error = format('chain step %s (job %s, %s) %s: %s', p_job.chain_pos + 1, p_job.id, p_job.jig,
                          p_job.state, coalesce(p_job.error, 'no reason given'))
     WHERE node = p_job.node AND id > p_job.id AND chain_id = p_job.chain_id AND state = 'queued'
    RETURNING *
  LOOP
    PERFORM muster_job_event('job.cancelled', 'warn', v_rest, format('job %s cancelled: %s', v_rest.id, v_rest.error));
  END LOOP;
END $$;

-- The state an attempt's outcome leads to (inlined into the finishing UPDATE).
CREATE FUNCTION muster_next_state(p_outcome text, p_attempts integer, p_max_attempts integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p_outcome IN ('snooze', 'released') THEN 'queued'
              WHEN p_outcome IN ('failed', 'expired') AND p_attempts < p_max_attempts THEN 'queued'
              WHEN p_outcome IN ('succeeded', 'cancelled') THEN p_outcome
              ELSE 'failed' END
$$;

-- Ends one attempt of a running job. p_owner fences: only the lease holder may end it (p_outcome
-- 'expired' instead requires an expired lease, for the reaper); so do p_node and p_slot, the job's
-- node and the slot it holds as its claim returned them. state: the new state, NULL when the job
-- was not running so (nothing changed). With p_lease_s, claims the next job into the slot the ended
-- job gave back, in the same transaction: next, or NULL.
-- Outcomes: succeeded | failed (retried while attempts remain) | fatal (never retried) |
-- cancelled | snooze (re-check later, attempt not counted) | released (shutdown, not counted) |
-- async (the node runs it: keeps the node, gives back the slot) | expired.
CREATE FUNCTION muster_finish_and_claim(p_id bigint, p_node macaddr, p_slot integer, p_owner text, p_outcome text,
                                        p_error text, p_result jsonb, p_log text, p_retry_ms integer,
                                        p_lease_s integer, OUT state text, OUT next muster_claimed_job)
LANGUAGE plpgsql AS $$
DECLARE v_job jobs; v_due boolean := false;
BEGIN
  PERFORM muster_lock_node(p_node);
  IF p_outcome = 'async' THEN
    UPDATE jobs j SET locked_by = 'node', lease_until = j.deadline, slot = NULL, log = coalesce(p_log, j.log)
     WHERE j.id = p_id AND j.node = p_node AND j.slot IS NOT DISTINCT FROM p_slot AND j.state = 'running'
       AND j.locked_by = p_owner
    RETURNING j.* INTO v_job;
  ELSE
    UPDATE jobs j SET
        state = muster_next_state(p_outcome, j.attempts, j.max_attempts),
        ready = muster_next_state(p_outcome, j.attempts, j.max_attempts) = 'queued',
        finished_at = CASE WHEN muster_next_state(p_outcome, j.attempts, j.max_attempts) = 'queued' THEN NULL ELSE now() END,
        attempts = j.attempts - CASE WHEN p_outcome IN ('snooze', 'released') THEN 1 ELSE 0 END,
        run_after = now() + make_interval(secs => coalesce(p_retry_ms, 0) / 1000.0),
        deadline = CASE WHEN p_outcome = 'snooze' THEN j.deadline END,
        locked_by = NULL, lease_until = NULL, slot = NULL,
        error = CASE WHEN p_outcome IN ('snooze', 'released') THEN j.error ELSE p_error END,
        result = coalesce(p_result, j.result),
        log = coalesce(p_log, j.log)
     WHERE j.id = p_id AND j.node = p_node AND j.slot IS NOT DISTINCT FROM p_slot AND j.state = 'running'
       AND CASE WHEN p_outcome = 'expired' THEN j.lease_until < now() ELSE j.locked_by = p_owner END
    RETURNING j.* INTO v_job;
  END IF;
  IF NOT FOUND THEN RETURN; END IF;
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
    next := muster_claim_job(p_owner, p_lease_s, p_slot);
  END IF;
  IF v_due THEN PERFORM muster_wake_workers(); END IF;
END $$;

-- Ends one attempt without claiming (reaper, node reports, cancel). Returns the new state or NULL.
CREATE FUNCTION muster_finish_job(p_id bigint, p_owner text, p_outcome text, p_error text, p_result jsonb,
                                  p_log text, p_retry_ms integer)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE v_node macaddr; v_slot integer;
BEGIN
  SELECT node, slot INTO v_node, v_slot FROM jobs WHERE id = p_id;
  IF NOT FOUND THEN RETURN NULL; END IF;
  RETURN (muster_finish_and_claim(p_id, v_node, v_slot, p_owner, p_outcome, p_error, p_result, p_log, p_retry_ms, NULL)).state;
END $$;

-- Cancels a job: a queued one at once (with the rest of its chain), a node task awaiting its
-- node's report at once, a running one by request (its worker aborts it). Returns the state the
-- job was in, or NULL if there is no such job.
CREATE FUNCTION muster_cancel_job(p_id bigint, p_reason text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v_node macaddr; v_job jobs; v_was_ready boolean;
BEGIN
  SELECT node INTO v_node FROM jobs WHERE id = p_id;
  IF NOT FOUND THEN RETURN NULL; END IF;
  PERFORM muster_lock_node(v_node);
  SELECT * INTO v_job FROM jobs WHERE id = p_id FOR UPDATE;
  IF v_job.state = 'running' AND v_job.locked_by = 'node' THEN
    PERFORM muster_finish_job(p_id, 'node', 'cancelled', p_reason, NULL, NULL, NULL);
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

-- Sets the number of slots (the global cap). A job holding a slot above a lowered cap keeps it to
-- its end; no claim takes such a slot again.
CREATE FUNCTION muster_set_job_slots(p_cap integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO job_slots (slot) SELECT generate_series(1, p_cap) ON CONFLICT (slot) DO NOTHING;
  DELETE FROM job_slots WHERE slot > p_cap;
END $$;
