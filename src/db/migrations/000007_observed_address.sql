-- nodes.ipaddr is the address the admin set (`node set ipaddr`), which DHCP hands out as the
-- node's fixed address; a nodescript contact used to overwrite it with the request's source.
-- The contact's address is now recorded apart: the desired address and the observed one.
ALTER TABLE nodes ADD COLUMN observed_ipaddr inet;
ALTER TABLE nodes ADD COLUMN observed_at timestamptz;
-- What earlier contacts recorded in ipaddr is the best guess of what was observed.
UPDATE nodes SET observed_ipaddr = ipaddr, observed_at = lastcontact WHERE ipaddr IS NOT NULL AND lastcontact IS NOT NULL;
