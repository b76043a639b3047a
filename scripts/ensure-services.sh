#!/usr/bin/env bash
# Make sure Docker Engine and Redis are running: install them with apt when root on Debian,
# start them when stopped, and otherwise say exactly what to install.
set -euo pipefail

redis_url=${AUTOGRADER_REDIS_URL:-redis://127.0.0.1:6379/0}
# Outside any checkout: one Redis serves every checkout on this machine, and a checkout may be deleted.
if [ "$(id -u)" = 0 ]; then redis_base=/var/lib/autograder; else redis_base=${XDG_STATE_HOME:-$HOME/.local/state}/autograder; fi

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
  if [ -d /run/systemd/system ] && systemctl start docker 2>/dev/null; then
    wait_for 60 docker info && return
  else
    # A daemon that crashed can leave its containerd and pid file behind, and a new one may then fail to
    # start: clear them and start it again, once, before giving up.
    for _ in 1 2; do
      clear_crashed_dockerd
      # In a session of its own: whatever stops the command that started it (a timeout, Ctrl-C) leaves it running.
      setsid nohup dockerd >>/var/log/autograder-dockerd.log 2>&1 < /dev/null &
      wait_for 60 docker info && return
    done
  fi
  echo "error: dockerd did not start; see /var/log/autograder-dockerd.log" >&2
  exit 1
}

clear_crashed_dockerd() {
  local pid
  if [ -f /var/run/docker.pid ]; then
    pid=$(cat /var/run/docker.pid)
    # Only a dockerd that does not answer: a pid file left by a crash may name another process by now.
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ]; then
      kill -9 "$pid" 2>/dev/null
      wait_for 10 bash -c "! kill -0 $pid"
    fi
    rm -f /var/run/docker.pid
  fi
  pkill -9 -f '^containerd --config /var/run/docker/containerd/containerd.toml' 2>/dev/null || true
}

read_redis_url() {
  # The parts of AUTOGRADER_REDIS_URL as redis-py reads them (%-escapes undone), one a line: scheme, host, port,
  # user, the password as a line of Redis configuration (each byte escaped: no quoting can go wrong), the password.
  python3 - "$redis_url" <<'PY'
import sys
from urllib.parse import unquote, urlsplit
url = urlsplit(sys.argv[1])
try:
    port = url.port or 6379
except ValueError:
    port = None
password = unquote(url.password or "")
if url.scheme not in ("redis", "rediss") or not url.hostname or port is None or "\n" in password:
    sys.exit("error: AUTOGRADER_REDIS_URL must look like redis://[:PASSWORD@]HOST[:PORT]/DB")
print(url.scheme, url.hostname, port, unquote(url.username or ""), sep="\n")
print(password and 'requirepass "' + "".join(f"\\x{byte:02x}" for byte in password.encode()) + '"')
print(password)
print("end")  # so that empty lines before it are kept by $(...)
PY
}

ensure_redis() {
  local parts scheme host port user config password
  parts=$(read_redis_url) || exit 1
  { read -r scheme; read -r host; read -r port; read -r user; read -r config; IFS= read -r password; } <<<"$parts"
  # redis-cli reads the password from the environment, never from its command line, where `ps` would show it.
  redis_cli=(redis-cli --no-auth-warning -h "$host" -p "$port" ${user:+--user "$user"})
  if [ -n "$password" ]; then export REDISCLI_AUTH=$password; else unset REDISCLI_AUTH; fi
  # A rediss:// (TLS) Redis is another host's: reachable is all we check.
  if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then [ "$scheme" = rediss ] || wait_for_redis_data "$host" "$port"; return; fi
  case $host in 127.0.0.1|localhost) ;; *)
    echo "error: Redis is not reachable at $host:$port (AUTOGRADER_REDIS_URL)." >&2; exit 1;;
  esac
  if [ -n "$user" ] && [ "$user" != default ]; then
    echo "error: a Redis started here has a password for its default user only: write AUTOGRADER_REDIS_URL" \
      "as redis://:PASSWORD@$host:$port/0, without the user name '$user'" >&2
    exit 1
  fi
  if ! command -v redis-server >/dev/null; then
    if can_apt; then
      echo "installing Redis (redis-server)"
      apt_install redis-server
    else
      echo "error: Redis is not installed. Install it (Debian: 'apt-get install redis-server')." >&2
      exit 1
    fi
  fi
  # Two Redis servers must never share a folder: each would overwrite the other's append-only file.
  local redis_dir=$redis_base/redis
  [ "$port" = 6379 ] || redis_dir=$redis_base/redis-$port
  echo "starting Redis on $host:$port (data in $redis_dir${password:+, with the password of AUTOGRADER_REDIS_URL})"
  mkdir -p "$redis_dir"
  # Only this host may connect. The password, if the URL has one, comes as configuration on stdin: never on a
  # command line or on disk, and given again at each start, so a Redis restarted here always asks for it.
  # Redis only carries work (the database is the truth), so a failed snapshot must never stop writes.
  printf '%s\n' "$config" | env -u REDISCLI_AUTH redis-server - --daemonize yes --bind 127.0.0.1 --protected-mode yes --port "$port" \
    --dir "$redis_dir" --logfile "$redis_dir/redis.log" \
    --appendonly yes --save "" --stop-writes-on-bgsave-error no >/dev/null
  wait_for 10 bash -c "exec 3<>/dev/tcp/$host/$port" || { echo "error: Redis did not start; see $redis_dir/redis.log" >&2; exit 1; }
  wait_for_redis_data "$host" "$port"
}

wait_for_redis_data() {  # wait_for_redis_data HOST PORT
  # A Redis that has just started answers "LOADING" until its data is read back; clients must not see that.
  # A password it refuses (or asks for) is said at once: waiting would not change it.
  command -v redis-cli >/dev/null || return 0
  local answer
  for _ in $(seq 240); do
    answer=$("${redis_cli[@]}" ping 2>&1 || true)
    case $answer in
      *NOAUTH*|*WRONGPASS*|*"invalid password"*)
        echo "error: Redis at $1:$2 refuses the password of AUTOGRADER_REDIS_URL, or asks for one it does not" \
          "have: write it as redis://:PASSWORD@$1:$2/0" >&2
        exit 1;;
      *"without any password configured"*PONG*)
        echo "warning: Redis at $1:$2 asks for no password, though AUTOGRADER_REDIS_URL has one: any program" \
          "on this host can use it. Set that password in its configuration (requirepass), or stop it" \
          "(redis-cli shutdown) and run this again: it then starts Redis asking for that password." >&2
        return 0;;
      *PONG*) return 0;;
    esac
    sleep 0.25
  done
  echo "error: Redis at $1:$2 did not finish loading its data ($answer)" >&2
  exit 1
}

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

ensure_compose() {
  # Debian's docker-compose (1.29) brings up docker-compose.yml; tests/test_compose.py uses it.
  command -v docker-compose >/dev/null && return
  if can_apt; then
    echo "installing docker-compose"
    apt_install docker-compose
  else
    echo "error: docker-compose is not installed (Debian: apt-get install docker-compose)" >&2
    exit 1
  fi
}

ensure_docker
ensure_redis
for option in "$@"; do
  case $option in
    --gvisor) ensure_gvisor ;;
    --chromium) ensure_chromium ;;
    --compose) ensure_compose ;;
    *) echo "unknown option $option" >&2; exit 2 ;;
  esac
done
