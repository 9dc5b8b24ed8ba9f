#!/usr/bin/env bash
# A logical backup of Thoth (docs/backup-restore.md), taken while traffic flows: the whole database
# with pg_dump in custom format (one REPEATABLE READ snapshot: the event store, the read models and
# the ledger with its Kafka offsets all as of one instant; writers are not blocked), then a copy of
# the anchor directory, taken after the dump so that it holds every checkpoint the dump's ledger
# rows reached. Writes into <out-dir>, which must not exist yet:
#   thoth.dump   pg_dump -Fc
#   anchors/     the anchor directory's checkpoint files, read-only as they were
#   MANIFEST     when, from which server, and the dump's sha256
#
#   backup.sh <database-url> <anchor-dir> <out-dir>
# The URL's role must read every table (the schema owner, e.g. thoth_owner): the ledger's and the
# control plane's tables are under row-level security, which pg_dump does not bypass for others.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/pg-bin.sh"

[ $# -eq 3 ] || { echo "usage: backup.sh <database-url> <anchor-dir> <out-dir>" >&2; exit 2; }
url=$1 anchors=$2 out=$3
[ -d "$anchors" ] || { echo "[backup] anchor directory $anchors does not exist" >&2; exit 1; }
[ -e "$out" ] && { echo "[backup] $out exists: refusing to overwrite a backup" >&2; exit 1; }
PG_DUMP=$(pg_tool pg_dump)

mkdir -p "$out"
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# --no-owner/--no-privileges are NOT used: the restore needs the owners and grants (thoth_app,
# thoth_ledger, thoth_definer) that row-level security and the SECURITY DEFINER functions rely on.
"$PG_DUMP" --format=custom --compress=6 --no-password --dbname="$url" --file="$out/thoth.dump"
dumped=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# Only finished checkpoint files (<size>.checkpoint), never a writer's temporary file.
mkdir -p "$out/anchors"
(cd "$anchors" && find . -mindepth 2 -maxdepth 2 -name '[0-9]*.checkpoint' -exec cp --parents --preserve=mode,timestamps {} "$out/anchors" \;)
{
  echo "started_at=$started"
  echo "dumped_at=$dumped"
  echo "pg_dump=$("$PG_DUMP" --version)"
  echo "dump_sha256=$(sha256sum "$out/thoth.dump" | cut -d' ' -f1)"
  echo "anchor_files=$(find "$out/anchors" -name '*.checkpoint' | wc -l)"
} >"$out/MANIFEST"
echo "[backup] $out: database dumped at $dumped, $(grep anchor_files "$out/MANIFEST" | cut -d= -f2) anchored checkpoints copied" >&2
