# Shared by the scripts in infra/local: paths and small helpers. Sourced, never run.
# shellcheck shell=bash disable=SC2034  # the variables are for the scripts that source this

THOTH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
INFRA_LOCAL=$THOTH_ROOT/infra/local
# Per-checkout state (data, logs, pids): gitignored, removed by hand to start afresh.
STATE_ROOT=$INFRA_LOCAL/.state
# Downloads shared by every checkout on the machine (same default as bootstrap.sh).
CACHE_ROOT=${THOTH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/thoth}

# runuser, initdb's helpers and apt live in sbin, which a minimal PATH may lack.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac

log() { echo "[${LOG_TAG:-infra}] $*" >&2; }
die() { log "$*"; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

# True when something accepts TCP connections on host:port (bash's /dev/tcp, no nc needed).
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# Installs Debian packages. apt and dpkg hold global locks, and postgres.sh and kafka.sh
# may run side by side (up.sh, the test setup), so installs take turns on one lock file.
apt_install() {
  is_root || die "missing $*; install it (apt-get install $*) or run this as root"
  mkdir -p "$STATE_ROOT"
  (
    flock 8
    log "installing $* with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "$@" >&2
  ) 8>"$STATE_ROOT/.apt.lock"
}

# Holds an exclusive lock on the service's state directory until the script exits, so two
# concurrent `start` calls cannot both initialise or launch. Daemons must be started with
# `9>&-`, or they would inherit the descriptor and keep the lock forever.
lock_state() {
  mkdir -p "$1"
  exec 9>"$1/.lock"
  flock 9
}
