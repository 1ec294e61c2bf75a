// Every migration, embedded in the binary at build time. A test checks that each file in
// sql/postgres and sql/sqlite is listed here, with the same numbers in both dialects.
import pg001 from '../../sql/postgres/001_accounts_and_keys.sql' with { type: 'text' };
import pg002 from '../../sql/postgres/002_ledger.sql' with { type: 'text' };
import pg003 from '../../sql/postgres/003_usage.sql' with { type: 'text' };
import pg004 from '../../sql/postgres/004_leases.sql' with { type: 'text' };
import pg005 from '../../sql/postgres/005_settlement_function.sql' with { type: 'text' };
import pg006 from '../../sql/postgres/006_ledger_page_index.sql' with { type: 'text' };
import pg007 from '../../sql/postgres/007_apply_charges.sql' with { type: 'text' };
import pg008 from '../../sql/postgres/008_lease_reclaim.sql' with { type: 'text' };
import pg009 from '../../sql/postgres/009_request_charges.sql' with { type: 'text' };
import pg010 from '../../sql/postgres/010_account_models_key_limits.sql' with { type: 'text' };
import pg011 from '../../sql/postgres/011_stripe_inbox.sql' with { type: 'text' };
import pg012 from '../../sql/postgres/012_purchases.sql' with { type: 'text' };
import pg013 from '../../sql/postgres/013_receipts.sql' with { type: 'text' };
import pg014 from '../../sql/postgres/014_coupons.sql' with { type: 'text' };
import pg015 from '../../sql/postgres/015_refill_refunds.sql' with { type: 'text' };
import pg016 from '../../sql/postgres/016_deployments.sql' with { type: 'text' };
import pg017 from '../../sql/postgres/017_usage_daily.sql' with { type: 'text' };
import pg018 from '../../sql/postgres/018_usage_rollups.sql' with { type: 'text' };
import pg019 from '../../sql/postgres/019_alert_delivery.sql' with { type: 'text' };
import pg020 from '../../sql/postgres/020_teams.sql' with { type: 'text' };
import lite001 from '../../sql/sqlite/001_accounts_and_keys.sql' with { type: 'text' };
import lite002 from '../../sql/sqlite/002_ledger.sql' with { type: 'text' };
import lite003 from '../../sql/sqlite/003_usage.sql' with { type: 'text' };
import lite004 from '../../sql/sqlite/004_leases.sql' with { type: 'text' };
import lite005 from '../../sql/sqlite/005_settlement_function.sql' with { type: 'text' };
import lite006 from '../../sql/sqlite/006_ledger_page_index.sql' with { type: 'text' };
import lite007 from '../../sql/sqlite/007_apply_charges.sql' with { type: 'text' };
import lite008 from '../../sql/sqlite/008_lease_reclaim.sql' with { type: 'text' };
import lite009 from '../../sql/sqlite/009_request_charges.sql' with { type: 'text' };
import lite010 from '../../sql/sqlite/010_account_models_key_limits.sql' with { type: 'text' };
import lite011 from '../../sql/sqlite/011_stripe_inbox.sql' with { type: 'text' };
import lite012 from '../../sql/sqlite/012_purchases.sql' with { type: 'text' };
import lite013 from '../../sql/sqlite/013_receipts.sql' with { type: 'text' };
import lite014 from '../../sql/sqlite/014_coupons.sql' with { type: 'text' };
import lite015 from '../../sql/sqlite/015_refill_refunds.sql' with { type: 'text' };
import lite016 from '../../sql/sqlite/016_deployments.sql' with { type: 'text' };
import lite017 from '../../sql/sqlite/017_usage_daily.sql' with { type: 'text' };
import lite018 from '../../sql/sqlite/018_usage_rollups.sql' with { type: 'text' };
import lite019 from '../../sql/sqlite/019_alert_delivery.sql' with { type: 'text' };
import lite020 from '../../sql/sqlite/020_teams.sql' with { type: 'text' };
import pg021 from '../../sql/postgres/021_admin_audit_and_ledger_checkpoint.sql' with { type: 'text' };
import lite021 from '../../sql/sqlite/021_admin_audit_and_ledger_checkpoint.sql' with { type: 'text' };

export interface Migration {
  version: number;
  name: string;
  postgres: string;
  sqlite: string;
}

export const MIGRATIONS: readonly Migration[] = Object.freeze([
  { version: 1, name: 'accounts_and_keys', postgres: pg001, sqlite: lite001 },
  { version: 2, name: 'ledger', postgres: pg002, sqlite: lite002 },
  { version: 3, name: 'usage', postgres: pg003, sqlite: lite003 },
  { version: 4, name: 'leases', postgres: pg004, sqlite: lite004 },
  { version: 5, name: 'settlement_function', postgres: pg005, sqlite: lite005 },
  { version: 6, name: 'ledger_page_index', postgres: pg006, sqlite: lite006 },
  { version: 7, name: 'apply_charges', postgres: pg007, sqlite: lite007 },
  { version: 8, name: 'lease_reclaim', postgres: pg008, sqlite: lite008 },
  { version: 9, name: 'request_charges', postgres: pg009, sqlite: lite009 },
  { version: 10, name: 'account_models_key_limits', postgres: pg010, sqlite: lite010 },
  { version: 11, name: 'stripe_inbox', postgres: pg011, sqlite: lite011 },
  { version: 12, name: 'purchases', postgres: pg012, sqlite: lite012 },
  { version: 13, name: 'receipts', postgres: pg013, sqlite: lite013 },
  { version: 14, name: 'coupons', postgres: pg014, sqlite: lite014 },
  { version: 15, name: 'refill_refunds', postgres: pg015, sqlite: lite015 },
  { version: 16, name: 'deployments', postgres: pg016, sqlite: lite016 },
  { version: 17, name: 'usage_daily', postgres: pg017, sqlite: lite017 },
  { version: 18, name: 'usage_rollups', postgres: pg018, sqlite: lite018 },
  { version: 19, name: 'alert_delivery', postgres: pg019, sqlite: lite019 },
  { version: 20, name: 'teams', postgres: pg020, sqlite: lite020 },
  { version: 21, name: 'admin_audit_and_ledger_checkpoint', postgres: pg021, sqlite: lite021 },
]);
