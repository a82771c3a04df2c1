-- What a node's provisiond reported after running its last nodescript (POST /nodescripts/<state>/report).
-- status/ipaddr/lastcontact (000001) record the request; these record the outcome.
ALTER TABLE nodes ADD COLUMN last_exit integer;
ALTER TABLE nodes ADD COLUMN last_report timestamptz;
