-- Per-account and per-key controls set by the admin. accounts.models is a JSON array of the
-- model names every key of the account may use (NULL: no narrowing). api_keys.limits is a JSON
-- object of the key's own quota limits (requests_per_minute, tokens_per_minute, tokens_per_day,
-- tokens_per_month, concurrent; each a whole number or null), stricter than its plan's; NULL
-- when the key has none. JSON text, as api_keys.models is: the gateway reads them with the key,
-- never queries by them, so columns would buy nothing but a wider migration.
ALTER TABLE accounts ADD COLUMN models TEXT;
ALTER TABLE api_keys ADD COLUMN limits TEXT;
