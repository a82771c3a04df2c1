-- The jig queue: one row per task on a node (see src/queue/ and docs of issue 4).
-- Invariants, each enforced here and not only in application code:
--   * at most one running job per node          (jobs_one_running_per_node)
--   * per node at most one job is "ready" (the head of its FIFO); completion hands the marker on
--     under a per-node transaction lock, so enqueue and completion of one node never interleave
--   * at most N jobs hold a worker slot across every daemon (job_slots, claimed in the claim)
-- Every state change writes its event row in the same transaction.

CREATE TABLE jobs (
  id               bigserial PRIMARY KEY,
  node             macaddr NOT NULL REFERENCES nodes(mac) ON DELETE CASCADE,
  jig              text NOT NULL,
  args             jsonb NOT NULL DEFAULT '{}',
  state            text NOT NULL DEFAULT 'queued'
                   CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  -- Head of its node's FIFO: only a ready job may be claimed.
  ready            boolean NOT NULL DEFAULT false,
  attempts         integer NOT NULL DEFAULT 0,
  max_attempts     integer NOT NULL DEFAULT 1 CHECK (max_attempts BETWEEN 1 AND 100),
  -- Time limit of one attempt; a wait job's limit spans its re-checks.
  timeout_s        integer NOT NULL CHECK (timeout_s > 0),
  run_after        timestamptz NOT NULL DEFAULT now(),
  deadline         timestamptz,
  -- Lease: the owning daemon ('node' while a node task waits for the node's report).
  locked_by        text,
  lease_until      timestamptz,
  cancel_requested boolean NOT NULL DEFAULT false,
  handed_at        timestamptz,
  chain_id         bigint,
  chain_pos        integer,
  idempotency_key  text UNIQUE,
  created_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  finished_at      timestamptz,
  result           jsonb,
  error            text,
  log              text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX jobs_one_running_per_node ON jobs (node) WHERE state = 'running';
CREATE INDEX jobs_ready_fifo ON jobs (id) WHERE state = 'queued' AND ready;
CREATE INDEX jobs_node_idx ON jobs (node, id);
CREATE INDEX jobs_running_lease ON jobs (lease_until) WHERE state = 'running';
CREATE INDEX jobs_chain_idx ON jobs (chain_id, id) WHERE chain_id IS NOT NULL;
CREATE INDEX jobs_state_idx ON jobs (state, id);
CREATE SEQUENCE job_chain_seq;

-- The global cap: a job runs on the master only while it holds a slot.
CREATE TABLE job_slots (
  slot   integer PRIMARY KEY,
  job_id bigint UNIQUE REFERENCES jobs(id) ON DELETE SET NULL
);

-- Enqueue and completion of one node take this lock so a job queued during a completion is never
-- left without the ready marker.
CREATE FUNCTION muster_lock_node(p_node macaddr) RETURNS void LANGUAGE sql AS $$
  SELECT pg_advisory_xact_lock(1836413793, hashtext(p_node::text));
$$;

CREATE FUNCTION muster_job_event(p_kind text, p_level text, p_job jobs, p_message text) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO events (kind, level, node, mac, message, data)
  SELECT p_kind, p_level, n.name, p_job.node, p_message,
         jsonb_build_object('job', p_job.id, 'jig', p_job.jig, 'state', p_job.state,
                            'attempt', p_job.attempts, 'chain', p_job.chain_id, 'error', p_job.error)
    FROM nodes n WHERE n.mac = p_job.node;
$$;

-- Gives the ready marker to the node's oldest queued job if no job of the node is running or ready.
CREATE FUNCTION muster_hand_on(p_node macaddr) RETURNS void LANGUAGE plpgsql AS $$
DECLARE v_next jobs;
BEGIN
  IF EXISTS (SELECT 1 FROM jobs WHERE node = p_node AND (state = 'running' OR (state = 'queued' AND ready))) THEN
    RETURN;
  END IF;
  UPDATE jobs SET ready = true
   WHERE id = (SELECT min(id) FROM jobs WHERE node = p_node AND state = 'queued')
  RETURNING * INTO v_next;
  IF FOUND AND v_next.run_after <= now() THEN PERFORM pg_notify('muster_jobs', ''); END IF;
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
          p_chain_pos, p_key,
          NOT EXISTS (SELECT 1 FROM jobs e WHERE e.node = p_node AND e.state IN ('queued', 'running')))
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING * INTO v_job;
  IF NOT FOUND THEN
    RETURN QUERY SELECT j.id, false FROM jobs j WHERE j.idempotency_key = p_key;
    RETURN;
  END IF;
  PERFORM muster_job_event('job.queued', 'info', v_job, format('job %s (%s) queued', v_job.id, p_jig));
  IF v_job.ready AND v_job.run_after <= now() THEN PERFORM pg_notify('muster_jobs', ''); END IF;
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
     WHERE chain_id = p_job.chain_id AND state = 'queued' AND id > p_job.id
    RETURNING *
  LOOP
    PERFORM muster_job_event('job.cancelled', 'warn', v_rest, format('job %s cancelled: %s', v_rest.id, v_rest.error));
  END LOOP;
END $$;

-- Ends one attempt of a running job. p_owner fences: only the lease holder may finish
-- (p_outcome 'expired' instead requires an expired lease, for the reaper). Returns the new state,
-- or NULL when the job was not running under that owner (nothing changed).
-- Outcomes: succeeded | failed (retried while attempts remain) | fatal (never retried) |
-- cancelled | snooze (re-check later, attempt not counted) | released (shutdown, not counted) |
-- async (the node runs it: keeps the node, gives back the slot) | expired.
CREATE FUNCTION muster_finish_job(p_id bigint, p_owner text, p_outcome text, p_error text, p_result jsonb,
                                  p_log text, p_retry_ms integer)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE v_node macaddr; v_job jobs; v_retry boolean;
BEGIN
  SELECT node INTO v_node FROM jobs WHERE id = p_id;
  IF NOT FOUND THEN RETURN NULL; END IF;
  PERFORM muster_lock_node(v_node);
  SELECT * INTO v_job FROM jobs WHERE id = p_id AND state = 'running'
     AND CASE WHEN p_outcome = 'expired' THEN lease_until < now() ELSE locked_by = p_owner END
     FOR UPDATE;
  IF NOT FOUND THEN RETURN NULL; END IF;
  UPDATE job_slots SET job_id = NULL WHERE job_id = p_id;
  IF p_outcome = 'async' THEN
    UPDATE jobs SET locked_by = 'node', lease_until = deadline, log = coalesce(p_log, log) WHERE id = p_id;
    RETURN 'running';
  END IF;
  v_retry := p_outcome IN ('failed', 'expired') AND v_job.attempts < v_job.max_attempts;
  UPDATE jobs SET
      state = CASE WHEN p_outcome IN ('snooze', 'released') OR v_retry THEN 'queued'
                   WHEN p_outcome = 'succeeded' THEN 'succeeded'
                   WHEN p_outcome = 'cancelled' THEN 'cancelled'
                   ELSE 'failed' END,
      ready = p_outcome IN ('snooze', 'released') OR v_retry,
      attempts = attempts - CASE WHEN p_outcome IN ('snooze', 'released') THEN 1 ELSE 0 END,
      run_after = now() + make_interval(secs => coalesce(p_retry_ms, 0) / 1000.0),
      deadline = CASE WHEN p_outcome = 'snooze' THEN deadline END,
      locked_by = NULL, lease_until = NULL,
      finished_at = CASE WHEN p_outcome IN ('snooze', 'released') OR v_retry THEN NULL ELSE now() END,
      error = CASE WHEN p_outcome IN ('snooze', 'released') THEN error ELSE p_error END,
      result = coalesce(p_result, result),
      log = coalesce(p_log, log)
   WHERE id = p_id
  RETURNING * INTO v_job;
  IF p_outcome = 'snooze' THEN
    NULL;
  ELSIF p_outcome = 'released' THEN
    PERFORM muster_job_event('job.released', 'info', v_job, format('job %s released at shutdown; queued again', p_id));
  ELSIF v_retry THEN
    PERFORM muster_job_event('job.retrying', 'warn', v_job,
      format('job %s attempt %s of %s failed, retry in %s s: %s', p_id, v_job.attempts, v_job.max_attempts,
             round(coalesce(p_retry_ms, 0) / 1000.0, 1), p_error));
  ELSE
    PERFORM muster_job_event('job.' || v_job.state, CASE v_job.state WHEN 'succeeded' THEN 'info' ELSE 'error' END,
      v_job, format('job %s (%s) %s%s', p_id, v_job.jig, v_job.state, coalesce(': ' || p_error, '')));
    IF v_job.state <> 'succeeded' THEN PERFORM muster_cancel_chain_rest(v_job); END IF;
  END IF;
  PERFORM muster_hand_on(v_node);
  RETURN v_job.state;
END $$;

-- Cancels a job: a queued one at once (with the rest of its chain), a node task awaiting its
-- node's report at once, a running one by request (its worker aborts it). Returns the state the
-- job was in, or NULL if there is no such job.
CREATE FUNCTION muster_cancel_job(p_id bigint, p_reason text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v_node macaddr; v_job jobs;
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
    UPDATE jobs SET state = 'cancelled', ready = false, finished_at = now(), error = p_reason
     WHERE id = p_id RETURNING * INTO v_job;
    PERFORM muster_job_event('job.cancelled', 'warn', v_job, format('job %s cancelled: %s', p_id, p_reason));
    PERFORM muster_cancel_chain_rest(v_job);
    PERFORM muster_hand_on(v_node);
    RETURN 'queued';
  END IF;
  RETURN v_job.state;
END $$;

-- Sets the number of slots (the global cap). Slots above the cap are dropped once free.
CREATE FUNCTION muster_set_job_slots(p_cap integer) RETURNS void LANGUAGE sql AS $$
  INSERT INTO job_slots (slot) SELECT generate_series(1, p_cap) ON CONFLICT (slot) DO NOTHING;
  DELETE FROM job_slots WHERE slot > p_cap AND job_id IS NULL;
$$;
