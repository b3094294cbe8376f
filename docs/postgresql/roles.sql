-- Rumor Desk on PostgreSQL: the database and its two roles.
--
--   rumordesk_owner  owns the schema, every table, and the audit log's append-only
--                    triggers. Only `rumordesk init` (the migrations) connects as it.
--   rumordesk_app    what collectors and dashboards connect as: reads and writes rows,
--                    appends to the audit log, and can do nothing else to it — no UPDATE,
--                    DELETE or TRUNCATE (no privilege, and the triggers refuse them), no
--                    DROP or DISABLE of the triggers (not the owner), no schema changes.
--
-- Run it once, as a superuser (or a role with CREATEROLE and CREATEDB), with psql:
--
--   psql -v ON_ERROR_STOP=1 -v owner_password='…' -v app_password='…' -f roles.sql
--
-- Optional variables: -v db=NAME (default rumordesk), -v owner=NAME, -v app=NAME.
-- Then migrate as the owner, once per upgrade, and run everything else as the app:
--
--   RUMORDESK_DATABASE_URL=postgresql://rumordesk_owner:…@db-host/rumordesk rumordesk init
--   RUMORDESK_DATABASE_URL=postgresql://rumordesk_app:…@db-host/rumordesk rumordesk collect --every 60
--
-- Safe to run again (existing roles and database are kept; grants are re-applied).

\set ON_ERROR_STOP on
\if :{?db}
\else
  \set db rumordesk
\endif
\if :{?owner}
\else
  \set owner rumordesk_owner
\endif
\if :{?app}
\else
  \set app rumordesk_app
\endif

SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'owner', :'owner_password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'app', :'app_password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L', :'db', :'owner', 'UTF8')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec

REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"app";

\connect :"db"

-- The schema belongs to the owner; nobody else may create anything in it.
ALTER SCHEMA public OWNER TO :"owner";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";

-- Every table and sequence the owner creates (now and in later migrations) is readable and
-- writable by the app. TRUNCATE is never granted. The migration that creates the audit
-- log takes UPDATE and DELETE on it back from everyone but its owner.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO :"app";

-- A database that already has its tables (set up before these roles existed): the same
-- grants on what is there, and the audit log's taken back again.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app";
SELECT format('REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM %I', :'app')
WHERE to_regclass('public.audit_log') IS NOT NULL \gexec
