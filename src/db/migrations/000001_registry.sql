-- Node registry and the system event log.
-- Rules (see docs/db.md): PostgreSQL 14/15 feature set, no extensions, order by bigserial ids.

CREATE TABLE nodes (
  mac         macaddr PRIMARY KEY,
  name        text NOT NULL,
  groupname   text NOT NULL DEFAULT '',
  vnfs        text NOT NULL DEFAULT '',
  enabled     boolean NOT NULL DEFAULT true,
  debug       integer NOT NULL DEFAULT 0,
  descr       text NOT NULL DEFAULT '',
  bootenv     text NOT NULL DEFAULT 'discovery',
  status      text,
  ipaddr      inet,
  lastcontact timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  -- Perceus allowed duplicate names, which hid nodes from the CLI; muster does not.
  CONSTRAINT nodes_name_key UNIQUE (name)
);
CREATE INDEX nodes_groupname_idx ON nodes (groupname);

CREATE TABLE events (
  id      bigserial PRIMARY KEY,
  at      timestamptz NOT NULL DEFAULT now(),
  kind    text NOT NULL,
  level   text NOT NULL DEFAULT 'info' CHECK (level IN ('debug', 'info', 'warn', 'error')),
  node    text,
  mac     macaddr,
  message text NOT NULL,
  data    jsonb
);
CREATE INDEX events_at_idx ON events (at);
CREATE INDEX events_node_idx ON events (node, id);
-- `muster stats` and `monitor --kind` read by kind.
CREATE INDEX events_kind_idx ON events (kind, id);

-- Live view (`muster monitor`): a wake-up hint carrying the new event's id.
CREATE FUNCTION muster_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('muster_events', NEW.id::text);
  RETURN NULL;
END $$;
CREATE TRIGGER events_notify AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION muster_events_notify();
