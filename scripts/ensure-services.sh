#!/usr/bin/env bash
# Make sure Docker Engine and Redis are running: install them with apt when root on Debian,
# start them when stopped, and otherwise say exactly what to install.
set -euo pipefail

redis_url=${AUTOGRADER_REDIS_URL:-redis://127.0.0.1:6379/0}
# Outside any checkout: one Redis serves every checkout on this machine, and a checkout may be deleted.
if [ "$(id -u)" = 0 ]; then redis_dir=/var/lib/autograder/redis; else redis_dir=${XDG_STATE_HOME:-$HOME/.local/state}/autograder/redis; fi

can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }

apt_install() {
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

wait_for() {  # wait_for SECONDS COMMAND...
  local seconds=$1; shift
  for _ in $(seq "$((seconds * 4))"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; done
  return 1
}

ensure_docker() {
  if docker info >/dev/null 2>&1; then return; fi
  if ! command -v dockerd >/dev/null; then
    if can_apt; then
      echo "installing Docker Engine (docker.io)"
      apt_install docker.io
    else
      echo "error: Docker Engine is not installed. Install it (Debian: 'apt-get install docker.io') and start it." >&2
      exit 1
    fi
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "error: the Docker daemon is not running (or you may not use it). Start it, e.g. 'sudo systemctl start docker'." >&2
    exit 1
  fi
  echo "starting the Docker daemon"
  if [ -d /run/systemd/system ] && systemctl start docker 2>/dev/null; then :; else
    # A daemon that crashed leaves its pid file behind, and a new one refuses to start while it is there.
    if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
      rm -f /var/run/docker.pid
    fi
    nohup dockerd >/var/log/autograder-dockerd.log 2>&1 &
  fi
  wait_for 60 docker info || { echo "error: dockerd did not start; see /var/log/autograder-dockerd.log" >&2; exit 1; }
}

ensure_redis() {
  # Only a Redis on this machine is ours to start; a remote one is the deployer's.
  local hostport=${redis_url#redis://}; hostport=${hostport%%/*}; hostport=${hostport##*@}
  local host=${hostport%%:*} port=${hostport##*:}
  [ "$port" = "$hostport" ] && port=6379
  if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then wait_for_redis_data "$host" "$port"; return; fi
  case $host in 127.0.0.1|localhost) ;; *)
    echo "error: Redis is not reachable at $host:$port (AUTOGRADER_REDIS_URL)." >&2; exit 1;;
  esac
  if ! command -v redis-server >/dev/null; then
    if can_apt; then
      echo "installing Redis (redis-server)"
      apt_install redis-server
    else
      echo "error: Redis is not installed. Install it (Debian: 'apt-get install redis-server')." >&2
      exit 1
    fi
  fi
  echo "starting Redis on $host:$port (data in $redis_dir)"
  mkdir -p "$redis_dir"
  # Redis only carries work (the database is the truth), so a failed snapshot must never stop writes.
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --dir "$redis_dir" --logfile "$redis_dir/redis.log" \
    --appendonly yes --save "" --stop-writes-on-bgsave-error no >/dev/null
  wait_for 10 bash -c "exec 3<>/dev/tcp/$host/$port" || { echo "error: Redis did not start; see $redis_dir/redis.log" >&2; exit 1; }
  wait_for_redis_data "$host" "$port"
}

wait_for_redis_data() {  # wait_for_redis_data HOST PORT
  # A Redis that has just started answers "LOADING" until its data is read back; clients must not see that.
  command -v redis-cli >/dev/null || return 0
  wait_for 60 redis_answers_pong "$1" "$2" || { echo "error: Redis at $1:$2 did not finish loading its data" >&2; exit 1; }
}

redis_answers_pong() { [ "$(redis-cli -h "$1" -p "$2" ping 2>/dev/null)" = PONG ]; }

ensure_gvisor() {
  # Optional: register gVisor's runsc as a Docker runtime, so AUTOGRADER_SANDBOX_RUNTIME=runsc can be used.
  if docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"runsc"'; then return; fi
  if ! command -v runsc >/dev/null; then
    if can_apt; then
      echo "installing gVisor (runsc)"
      apt_install runsc
    else
      echo "note: gVisor (runsc) is not installed; its tests will be skipped" >&2
      return
    fi
  fi
  [ "$(id -u)" = 0 ] || return
  echo "registering runsc with the Docker daemon"
  mkdir -p /etc/docker
  python3 - <<'PY'
import json, pathlib
path = pathlib.Path("/etc/docker/daemon.json")
config = json.loads(path.read_text()) if path.exists() and path.read_text().strip() else {}
config.setdefault("runtimes", {})["runsc"] = {
    "path": "/usr/bin/runsc", "runtimeArgs": ["--network=none", "--platform=ptrace"]}
path.write_text(json.dumps(config, indent=2) + "\n")
PY
  if [ -d /run/systemd/system ] && systemctl restart docker 2>/dev/null; then :; else
    pid=$(cat /var/run/docker.pid 2>/dev/null || true)
    if [ -n "$pid" ]; then kill "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done; fi
    ensure_docker
  fi
}

ensure_chromium() {
  # Browser tests drive Debian's Chromium; Playwright cannot download browsers here.
  [ -x /usr/bin/chromium ] && return
  if can_apt; then
    echo "installing Chromium (for the browser tests)"
    apt_install chromium
  else
    echo "error: the browser tests need Chromium at /usr/bin/chromium (Debian: apt-get install chromium)" >&2
    exit 1
  fi
}

ensure_docker
ensure_redis
for option in "$@"; do
  case $option in
    --gvisor) ensure_gvisor ;;
    --chromium) ensure_chromium ;;
    *) echo "unknown option $option" >&2; exit 2 ;;
  esac
done
