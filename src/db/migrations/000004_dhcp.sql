-- DHCP leases (src/boot/dhcp/). One row per client MAC; the row keeps its address after the
-- lease expires or is released, so a returning client gets the same address back, and another
-- client only takes it over when the pool is otherwise exhausted.

CREATE TABLE dhcp_leases (
  mac        macaddr PRIMARY KEY,
  ip         inet NOT NULL,
  -- offered: held for the client between OFFER and REQUEST; bound: ACKed; released: given back.
  state      text NOT NULL CHECK (state IN ('offered', 'bound', 'released')),
  expires_at timestamptz NOT NULL,
  hostname   text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT dhcp_leases_ip_key UNIQUE (ip)
);
CREATE INDEX dhcp_leases_expires_idx ON dhcp_leases (expires_at);

-- Addresses a client reported in use by someone else (DHCPDECLINE): not offered until `until`.
CREATE TABLE dhcp_declined (
  ip    inet PRIMARY KEY,
  mac   macaddr,
  until timestamptz NOT NULL
);

-- Fixed reservations are nodes.ipaddr; the pool checks them for every candidate address.
CREATE INDEX dhcp_nodes_ipaddr_idx ON nodes (ipaddr);
