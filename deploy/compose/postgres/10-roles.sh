#!/bin/sh
# The two roles of secretsadmin's database, on its first start: the owner, which migrations run
# as, and the dashboard's own, which prepare_database then grants the tables and, of the audit
# log, only reading and appending. Passwords come from the secret files, never this file.
set -eu
secrets=${SECRETS_DIR:-/run/secrets}
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v owner_password="$(cat "$secrets/db_owner_password")" \
    -v app_password="$(cat "$secrets/db_app_password")" \
    -v database="$POSTGRES_DB" <<'SQL'
CREATE ROLE secretsadmin_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE secretsadmin_app LOGIN PASSWORD :'app_password';
ALTER DATABASE :"database" OWNER TO secretsadmin_owner;
-- PostgreSQL 15 and later: only the database owner may create in public; make it explicit.
ALTER SCHEMA public OWNER TO secretsadmin_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
