-- The cross-brand opt-out signal: one row per (person, brand) the person opted out of. It deliberately
-- spans workspaces, so it has no workspace_id and no row-level security, and it holds nothing that names
-- anyone: identity_hash = HMAC-SHA256(platform key "identity", E.164 number), brand_hash = HMAC-SHA256(a
-- key derived from it, workspace id ":" brand id). No brand id, workspace id or phone number is stored, and
-- only a count ever leaves it (getOptOutPropensity). Kept in the same transaction as each opt-out (sets
-- opted_out_at) and opt-in (clears it). Rows whose opt-out is older than 12 months carry no weight.
create table consent_identity_signals (
  identity_hash text not null,
  brand_hash text not null,
  opted_out_at timestamptz,
  updated_at timestamptz not null,
  primary key (identity_hash, brand_hash)
);
create index consent_identity_signals_recent on consent_identity_signals (identity_hash, opted_out_at);
