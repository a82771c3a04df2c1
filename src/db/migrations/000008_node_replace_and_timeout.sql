-- `node replace` moves a node to a new MAC, and its jobs (the record of what ran on it, and what
-- is still queued for it) move with it. Events keep the MAC they were written with: they are
-- history of the hardware that was there. dhcp_leases belong to a MAC, not to a node.
ALTER TABLE jobs DROP CONSTRAINT jobs_node_fkey;
ALTER TABLE jobs ADD CONSTRAINT jobs_node_fkey FOREIGN KEY (node) REFERENCES nodes (mac) ON DELETE CASCADE ON UPDATE CASCADE;

-- `node timeout`: when a node that had been in contact was found silent for longer (set by one
-- daemon's sweep, src/nodes/timeout.ts; cleared by its next contact). No index: the sweep reads
-- every node, which is cheaper than an index every contact would have to update.
ALTER TABLE nodes ADD COLUMN timed_out_at timestamptz;
