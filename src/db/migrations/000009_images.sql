-- The VNFS image library. An image is a name; what nodes boot is one of its revisions, each
-- an immutable pair of artifacts (vmlinuz, vnfs.img) under statedir/vnfs/<name>/revisions/<n>/.
-- images.current is the revision nodes get; it changes only once a revision is 'available', so
-- a failed or interrupted import leaves the previous one serving.
CREATE TABLE images (
  name text PRIMARY KEY,
  current integer,
  source text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE image_revisions (
  name text NOT NULL REFERENCES images (name) ON DELETE CASCADE ON UPDATE CASCADE,
  revision integer NOT NULL,
  state text NOT NULL CHECK (state IN ('importing', 'available', 'failed', 'deleted')),
  source text NOT NULL,
  -- what the import was: dir, tar, oci, capsule, rebuild, clone
  kind text NOT NULL,
  kernel_version text,
  kernel_args text NOT NULL DEFAULT '',
  kernel_sha256 text,
  kernel_size bigint,
  image_sha256 text,
  image_size bigint,
  -- the daemon running the import (host:pid): with several daemons on one database, an
  -- 'importing' row whose owner is gone is recognisable as abandoned
  owner text,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  PRIMARY KEY (name, revision)
);

-- One import of a name at a time, whichever daemon runs it: the second gets a unique violation.
CREATE UNIQUE INDEX image_revisions_one_import ON image_revisions (name) WHERE state = 'importing';

-- What a node is booting and what it booted, as name@revision: vnfs_boot is set when its iPXE
-- script names a revision (so that revision is not deleted under it), vnfs_booted when the
-- node's overlay reports from inside the image.
ALTER TABLE nodes ADD COLUMN vnfs_boot text;
ALTER TABLE nodes ADD COLUMN vnfs_boot_at timestamptz;
ALTER TABLE nodes ADD COLUMN vnfs_booted text;
