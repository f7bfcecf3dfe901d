#!/usr/bin/env bash
# Runs once, on the first start of the compose Postgres (docker-entrypoint-initdb.d): the same
# database and per-service roles as scripts/dev. Each role gets CONNECT and CREATE on the database
# and owns the schema its service's "migrate" step creates; no role is granted another's schema.
set -euo pipefail

database="${DIGIUSHER_DATABASE:-digiusher}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
select 'create database $database' where not exists (select from pg_database where datname = '$database')\gexec
SQL

for role in datasource_svc curpoller_svc curparser_svc discovery_svc query_svc console_svc; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
do \$\$ begin
  if not exists (select from pg_roles where rolname = '$role') then
    create role $role login password '$role';
  end if;
end \$\$;
SQL
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$database" \
    -c "grant connect, create on database $database to $role"
done
