-- Shrink-on-demand: a process short of lease credit asks the other processes' open leases on
-- the wallet back by stamping them; each owner polls for its stamped leases (the partial index
-- keeps that poll one small lookup) and gives back the credit no request of its own holds.
ALTER TABLE leases ADD COLUMN reclaim_requested_at_ms bigint;

CREATE INDEX leases_reclaim_idx ON leases (owner) WHERE reclaim_requested_at_ms IS NOT NULL AND status = 'open';
