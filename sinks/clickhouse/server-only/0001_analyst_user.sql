-- The read-only analyst user, on a ClickHouse SERVER only (CLICKHOUSE_URL is set).
--
-- Never applied to the local chDB server: it has the analyst user built in
-- (CLICKHOUSE_ANALYST_USER, read-only sessions with readonly = 2, no table functions that reach
-- the host or the network). Not one of the versioned migrations in ../migrations either: the API
-- process (api/app/analyst-user.ts) renders this file with its settings and applies it on start
-- against a server, as the CLICKHOUSE_URL user, which needs access management
-- (`access_management = 1`, or the grants CREATE USER, CREATE SETTINGS PROFILE and
-- SELECT ON <database>.* WITH GRANT OPTION). Every statement is idempotent: re-applying it updates
-- the password and limits to the current settings.
--
-- Placeholders: {{analyst_user}} and {{database}} are identifiers, {{analyst_password}} a string
-- literal, {{max_rows}}, {{max_seconds}}, {{max_memory_bytes}} and {{max_result_bytes}} integers
-- (SQL_MAX_ROWS, SQL_MAX_SECONDS, SQL_MAX_MEMORY_BYTES, SQL_MAX_RESULT_BYTES).
--
-- Layers: the profile makes every session of the user readonly = 2 (reads, and setting changes
-- except readonly itself) and caps the limits the API sets, so a query that raises them in its
-- own SETTINGS clause is refused by the server too. The user holds SELECT on the Backbeat
-- database only: no table functions (file, url, s3, remote... need source grants it lacks), no
-- other databases, no access to system tables beyond those every user may read.
CREATE SETTINGS PROFILE IF NOT EXISTS backbeat_analyst
SETTINGS readonly = 2,
    max_result_rows = {{max_rows}} MIN 1 MAX {{max_rows}},
    max_execution_time = {{max_seconds}} MIN 1 MAX {{max_seconds}},
    max_memory_usage = {{max_memory_bytes}} MIN 1 MAX {{max_memory_bytes}},
    max_result_bytes = {{max_result_bytes}} MIN 1 MAX {{max_result_bytes}};

ALTER SETTINGS PROFILE backbeat_analyst
SETTINGS readonly = 2,
    max_result_rows = {{max_rows}} MIN 1 MAX {{max_rows}},
    max_execution_time = {{max_seconds}} MIN 1 MAX {{max_seconds}},
    max_memory_usage = {{max_memory_bytes}} MIN 1 MAX {{max_memory_bytes}},
    max_result_bytes = {{max_result_bytes}} MIN 1 MAX {{max_result_bytes}};

CREATE USER IF NOT EXISTS {{analyst_user}}
IDENTIFIED WITH sha256_password BY {{analyst_password}}
DEFAULT DATABASE {{database}}
SETTINGS PROFILE 'backbeat_analyst';

ALTER USER {{analyst_user}}
IDENTIFIED WITH sha256_password BY {{analyst_password}}
DEFAULT DATABASE {{database}}
SETTINGS PROFILE 'backbeat_analyst';

GRANT SELECT ON {{database}}.* TO {{analyst_user}};
