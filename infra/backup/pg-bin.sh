# Sourced by backup.sh and restore.sh: where pg_dump and pg_restore are. THOTH_PG_BINDIR when set,
# otherwise the newest Debian PostgreSQL under /usr/lib/postgresql (what infra/local/postgres.sh
# installs; pg_dump must be of the server's major version or newer), otherwise the PATH's.
pg_tool() {
  local tool=$1 newest
  if [ -n "${THOTH_PG_BINDIR:-}" ]; then
    [ -x "$THOTH_PG_BINDIR/$tool" ] || { echo "[backup] THOTH_PG_BINDIR=$THOTH_PG_BINDIR holds no $tool" >&2; return 1; }
    echo "$THOTH_PG_BINDIR/$tool"
    return 0
  fi
  newest=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path "*/bin/$tool" 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$newest" ]; then echo "$newest"; return 0; fi
  command -v "$tool" && return 0
  echo "[backup] $tool not found: apt-get install postgresql-client (of the server's major version or newer), or set THOTH_PG_BINDIR" >&2
  return 1
}
