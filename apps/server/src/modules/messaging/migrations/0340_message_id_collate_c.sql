-- Message ids are compared byte-wise ("C" collation) instead of through the database's locale. The database's
-- C.UTF-8 collation makes Postgres 15 compare text through strcoll (each comparison copies both values into
-- NUL-terminated buffers); the dispatcher finds every message it claims and records by primary key, several
-- thousand index descents per batch, and the claim's new row versions insert into messages_pkey and messages_ws.
-- Ids are ASCII (prefix, '_', base32), so their order is the same in both collations (pagination by id does
-- not change). A comparison of messages.id with another text column takes the "C" collation (a non-default
-- collation wins over the default one), so messages' own indexes keep serving lookups by ids read elsewhere.
-- The table is not rewritten (same type); its two indexes on id are rebuilt.
alter table messages alter column id type text collate "C";
