#!/usr/bin/env bash
# Restores a backup made by backup.sh into an EMPTY database (docs/backup-restore.md), in one
# transaction: all of it or nothing. The roles the dump names (thoth_app, thoth_ledger,
# thoth_definer and the owner) are cluster-wide and not in the dump: they must exist (on a new
# cluster, create them as in docs/operations.md before restoring). The anchors are NOT copied back:
# the anchor is write-once evidence that must outlive the database; see the document for when to
# seed an empty anchor directory from the backup's anchors/.
#
#   restore.sh <backup-dir> <database-url>
# The URL's role is the schema owner's (it becomes the owner of what it restores).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/pg-bin.sh"

[ $# -eq 2 ] || { echo "usage: restore.sh <backup-dir> <database-url>" >&2; exit 2; }
backup=$1 url=$2
[ -f "$backup/thoth.dump" ] && [ -f "$backup/MANIFEST" ] || { echo "[restore] $backup is not a backup (thoth.dump, MANIFEST)" >&2; exit 1; }
expected=$(grep '^dump_sha256=' "$backup/MANIFEST" | cut -d= -f2)
[ "$(sha256sum "$backup/thoth.dump" | cut -d' ' -f1)" = "$expected" ] || { echo "[restore] $backup/thoth.dump does not match its MANIFEST's sha256" >&2; exit 1; }
PG_RESTORE=$(pg_tool pg_restore)
PSQL=$(pg_tool psql)

# Never over a live database: the target holds no table at all.
tables=$("$PSQL" --no-password --dbname="$url" -XAtc "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')")
[ "$tables" = "0" ] || { echo "[restore] the target database holds $tables tables: restore only into an empty database" >&2; exit 1; }

"$PG_RESTORE" --exit-on-error --single-transaction --no-password --dbname="$url" "$backup/thoth.dump"
echo "[restore] restored $(grep '^dumped_at=' "$backup/MANIFEST" | cut -d= -f2)'s snapshot; next: rebuild-projections, then start the ledger and the control plane" >&2
