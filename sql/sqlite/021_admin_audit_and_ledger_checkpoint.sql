-- Issue 14: the admin audit log, and the checkpoint of `inferport audit`.

-- One row per admin write that succeeded: which named admin credential (never the token), what
-- (the route, its target id, the request body with secrets left out) and when.
CREATE TABLE admin_audit_log (
  id TEXT PRIMARY KEY,
  admin_name TEXT NOT NULL,
  method TEXT NOT NULL,
  route TEXT NOT NULL,
  path TEXT NOT NULL,
  target_id TEXT,
  detail TEXT NOT NULL,
  status INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL
);

CREATE INDEX admin_audit_log_admin_idx ON admin_audit_log (admin_name, id);

-- Where the incremental auditor stopped: the last ledger entry it counted (entries are
-- append-only and numbered) and the sum of the wallet-side ('grant' book) entries up to it.
-- One row (id = 1).
CREATE TABLE ledger_audit_checkpoint (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_entry_id INTEGER NOT NULL,
  grant_book_micros INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);

-- Running sums of the 'grant' book per grant up to the checkpoint, so a run compares a grant or a
-- wallet that new entries touched without re-reading its whole history.
CREATE TABLE ledger_audit_sums (
  grant_id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  amount_micros INTEGER NOT NULL
);

CREATE INDEX ledger_audit_sums_account_idx ON ledger_audit_sums (account_id);
