-- Run once by the postgres image's entrypoint, on an empty data directory, as the
-- superuser `postgres`. The same roles as infra/local/postgres.sh: `thoth` may create
-- databases and roles (the tests make thoth_test_* databases and RLS roles) but is not
-- a superuser, so the application meets row-level security as it will in production.
CREATE ROLE thoth LOGIN CREATEDB CREATEROLE NOSUPERUSER PASSWORD 'thoth';
CREATE DATABASE thoth OWNER thoth;
