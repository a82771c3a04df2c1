-- Set-based enqueue (issue 8): queueing on 100,000 nodes is a handful of statements, not one
-- advisory lock and one round trip per node.

-- Queues jobs, one per array element (all arrays of one length, in the order given; chain ids and
-- positions as the caller allocated them). Returns, in the same order, each job's id and whether it
-- is new (false: its idempotency key named a job already).
--
-- Per-node FIFO and "one head (running or ready job) per node" without a lock per node:
--  1. the heads of the nodes are row-locked in one statement, in node order. Every change of a
--     head (claim, finish and hand-on, cancel, reaper, a node's report) updates the head's row, so
--     while this transaction runs a locked head stays the head, and a finish that would hand the
--     marker on waits and then sees the jobs queued here.
--  2. one INSERT queues every job. A node with a locked head gets its jobs behind it; a node with
--     none gets its first new job as head. Ids are taken after step 1, so they follow the jobs of
--     any enqueuer this one waited for.
--  3. the unique index jobs_one_running_per_node is the arbiter for what step 1 cannot see: a node
--     that got a head after its snapshot from another enqueuer (a hand-on that committed while
--     step 1 waited for the old head is found by step 1's next round). Then step 2 fails with unique_violation, the attempt
--     is rolled back (its row locks with it) and retried, and the retry sees that head. Deadlocks
--     between two such enqueuers are retried the same way.
CREATE FUNCTION muster_add_jobs(p_nodes macaddr[], p_jigs text[], p_args jsonb[], p_max_attempts integer[],
                                p_timeouts integer[], p_run_after timestamptz[], p_chain_ids bigint[],
                                p_chain_pos integer[], p_keys text[])
RETURNS TABLE (job_id bigint, created boolean) LANGUAGE plpgsql
-- No JIT: compiling the plan of a 100,000-row call costs more than running it. Sorts of a large
-- call stay in memory.
SET jit = off SET work_mem = '64MB'
AS $$
DECLARE
  v_heads macaddr[];
  v_rest macaddr[];
  v_found macaddr[];
  v_ids bigint[];
  v_wake boolean;
  v_skipped boolean;
  v_try integer := 0;
  v_constraint text;
BEGIN
  LOOP
    BEGIN
      -- A head that was handed on while this waited for its lock is skipped by the lock's
      -- re-check, and its successor was not a head in this statement's snapshot: ask again, with
      -- a fresh snapshot, for the nodes that have no locked head yet, until no head is left to lock.
      v_heads := '{}';
      v_rest := p_nodes;
      LOOP
        SELECT coalesce(array_agg(h.node), '{}') INTO v_found
          FROM (SELECT j.node FROM jobs j WHERE j.node = ANY(v_rest) AND (j.state = 'running' OR j.ready)
                 ORDER BY j.node FOR NO KEY UPDATE) h;
        EXIT WHEN cardinality(v_found) = 0;
        v_heads := v_heads || v_found;
        v_rest := ARRAY(SELECT unnest(v_rest) EXCEPT SELECT unnest(v_found));
      END LOOP;

      WITH input AS (
        SELECT i.*,
               -- a key given twice in one call queues one job
               row_number() OVER (PARTITION BY i.key ORDER BY i.ord) AS key_nth
          FROM unnest(p_nodes, p_jigs, p_args, p_max_attempts, p_timeouts, p_run_after, p_chain_ids, p_chain_pos, p_keys)
               WITH ORDINALITY AS i(node, jig, args, max_attempts, timeout_s, run_after, chain_id, chain_pos, key, ord)
      ), fresh AS (
        SELECT i.*, row_number() OVER (PARTITION BY i.node ORDER BY i.ord) AS node_nth
          FROM input i
         WHERE i.key IS NULL OR (i.key_nth = 1 AND NOT EXISTS (SELECT 1 FROM jobs e WHERE e.idempotency_key = i.key))
      ), numbered AS (
        -- ids in call order, so each node's jobs keep the order they were given in
        SELECT f.*, nextval('jobs_id_seq') AS id FROM (SELECT * FROM fresh ORDER BY ord) f
      ), ins AS (
        INSERT INTO jobs (id, node, jig, args, max_attempts, timeout_s, run_after, chain_id, chain_pos, idempotency_key, ready)
        SELECT n.id, n.node, n.jig, n.args, n.max_attempts, n.timeout_s, coalesce(n.run_after, now()), n.chain_id,
               n.chain_pos, n.key, n.node_nth = 1 AND h.node IS NULL
          FROM numbered n LEFT JOIN (SELECT DISTINCT unnest(v_heads) AS node) h ON h.node = n.node
        ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
        RETURNING *
      ), ev AS (
        INSERT INTO events (kind, level, node, mac, message, data)
        SELECT 'job.queued', 'info', nd.name, j.node, format('job %s (%s) queued', j.id, j.jig),
               jsonb_build_object('job', j.id, 'jig', j.jig, 'state', j.state, 'attempt', j.attempts,
                                  'chain', j.chain_id, 'owner', j.locked_by, 'error', j.error)
          FROM ins j JOIN nodes nd ON nd.mac = j.node
      )
      SELECT (SELECT array_agg(n.id ORDER BY i.ord) FROM input i LEFT JOIN numbered n ON n.ord = i.ord),
             coalesce((SELECT bool_or(j.ready AND j.run_after <= now()) FROM ins j), false),
             (SELECT count(*) FROM ins) < (SELECT count(*) FROM numbered)
        INTO v_ids, v_wake, v_skipped;

      -- A key that another enqueuer queued meanwhile skipped its row; if that row was to head its
      -- node, the node's next new job heads it instead.
      IF v_skipped THEN
        UPDATE jobs j SET ready = true
          FROM (SELECT min(id) AS id FROM jobs WHERE id = ANY(v_ids) GROUP BY node HAVING NOT bool_or(ready)) f
         WHERE j.id = f.id AND j.node NOT IN (SELECT unnest(v_heads));
        v_wake := true;
      END IF;
      EXIT;
    EXCEPTION WHEN unique_violation OR deadlock_detected THEN
      GET STACKED DIAGNOSTICS v_constraint = CONSTRAINT_NAME;
      v_try := v_try + 1;
      IF v_try >= 20 OR (v_constraint <> '' AND v_constraint <> 'jobs_one_running_per_node') THEN RAISE; END IF;
    END;
  END LOOP;

  IF v_wake THEN PERFORM muster_wake_workers(); END IF;
  RETURN QUERY
    SELECT coalesce(j.id, k.id), j.id IS NOT NULL
      FROM unnest(v_ids, p_keys) WITH ORDINALITY AS r(id, key, ord)
      LEFT JOIN jobs j ON j.id = r.id
      LEFT JOIN jobs k ON j.id IS NULL AND k.idempotency_key = r.key
     ORDER BY r.ord;
END $$;

-- The one-job form (the SQL surface for scripts) queues through the same path.
CREATE OR REPLACE FUNCTION muster_add_job(p_node macaddr, p_jig text, p_args jsonb, p_max_attempts integer,
                                          p_timeout_s integer, p_run_after timestamptz, p_chain_id bigint,
                                          p_chain_pos integer, p_key text)
RETURNS TABLE (job_id bigint, created boolean) LANGUAGE sql AS $$
  SELECT * FROM muster_add_jobs(ARRAY[p_node], ARRAY[p_jig], ARRAY[p_args], ARRAY[p_max_attempts], ARRAY[p_timeout_s],
                                ARRAY[p_run_after], ARRAY[p_chain_id], ARRAY[p_chain_pos], ARRAY[p_key]);
$$;

-- The events channel is a wake-up hint (readers re-read the table): one notification per
-- statement that adds events, not one per row (a bulk enqueue adds 100,000 in one statement).
DROP TRIGGER events_notify ON events;
CREATE OR REPLACE FUNCTION muster_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('muster_events', '');
  RETURN NULL;
END $$;
CREATE TRIGGER events_notify AFTER INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION muster_events_notify();

-- The transaction that inserted each event: readers go in (xid, id) order up to the horizon of
-- their snapshot, so a cursor never passes an event whose transaction commits later (see
-- src/api/events.ts). A column default: no extra statement per event, and the xid is the one the
-- insert takes anyway.
ALTER TABLE events ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX events_xid_idx ON events (xid, id);
