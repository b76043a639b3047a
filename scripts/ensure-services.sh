#!/usr/bin/env bash
# Make sure Docker Engine and Redis are running (and PostgreSQL with --postgres): install them with apt when
# root on Debian, start them when stopped, and otherwise say exactly what to install.
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

postgres_url=${AUTOGRADER_TEST_DATABASE_URL:-postgresql+psycopg://autograder:autograder@127.0.0.1:5432/autograder}

read_postgres_url() {
  # The parts of the PostgreSQL URL the tests use, one a line: host, port, role, password, database.
  python3 - "$postgres_url" <<'PY'
import sys
from urllib.parse import unquote, urlsplit
url = urlsplit(sys.argv[1])
try:
    port = url.port or 5432
except ValueError:
    port = None
parts = [url.hostname, port, unquote(url.username or ""), unquote(url.password or ""), url.path.lstrip("/")]
if not url.scheme.startswith("postgresql") or port is None or not all(parts) or "\n" in parts[3] or not all(
    part.replace("_", "").isalnum() for part in (parts[2], parts[4])
):
    sys.exit("error: AUTOGRADER_TEST_DATABASE_URL must look like postgresql+psycopg://ROLE:PASSWORD@HOST[:PORT]/DATABASE (role and database: letters, digits, _)")
print(*parts, "end", sep="\n")
PY
}

ensure_postgres() {
  # PostgreSQL for the tests that run on it too: a role that may create databases (each test makes its own)
  # and logs in with a password over TCP, as the site would.
  local parts host port role password database cluster
  parts=$(read_postgres_url) || exit 1
  { read -r host; read -r port; read -r role; IFS= read -r password; read -r database; } <<<"$parts"
  export PGPASSWORD=$password  # never on a command line, where `ps` would show it
  # Running, and the role logs in with what it needs: nothing to do.
  if pg_isready -q -h "$host" -p "$port" 2>/dev/null && [ "$(psql -h "$host" -p "$port" -U "$role" -d "$database" \
    -Atqc "SELECT rolcreatedb AND pg_has_role(current_user, 'pg_signal_backend', 'member') FROM pg_roles
      WHERE rolname = current_user" 2>/dev/null)" = t ]; then
    return
  fi
  local grant="CREATE ROLE $role LOGIN CREATEDB PASSWORD '...'; GRANT pg_signal_backend TO $role;"
  case $host in 127.0.0.1|localhost) ;; *)
    echo "error: PostgreSQL at $host:$port (AUTOGRADER_TEST_DATABASE_URL) is not reachable, or does not let $role in" \
      "with the right to create databases and end their sessions. On that server, as a superuser: $grant" >&2
    exit 1;;
  esac
  if ! command -v pg_lsclusters >/dev/null; then
    if can_apt; then
      echo "installing PostgreSQL (postgresql)"
      apt_install postgresql
    else
      echo "error: PostgreSQL is not installed. Install it (Debian: 'apt-get install postgresql') and start it," \
        "then, as its superuser (password as in AUTOGRADER_TEST_DATABASE_URL): $grant" >&2
      exit 1
    fi
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "error: PostgreSQL at $host:$port does not let $role in with what the tests need. Start it (Debian:" \
      "'sudo pg_ctlcluster VERSION main start', see pg_lsclusters), then: sudo -u postgres psql -c \"$grant\"" >&2
    exit 1
  fi
  # The newest cluster on this port (Debian makes one per installed version); a new one if there is none.
  cluster=$(pg_lsclusters --no-header 2>/dev/null | awk -v port="$port" '$3 == port {print $1 " " $2}' | sort -V | tail -n 1)
  if [ -z "$cluster" ]; then
    local version name=main
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    # Debian's own cluster "main" may be there already, on another port: this one gets a name of its own.
    [ ! -d "/etc/postgresql/$version/main" ] || name=autograder-$port
    echo "creating a PostgreSQL $version cluster '$name' on port $port"
    pg_createcluster "$version" "$name" --port "$port" >/dev/null
    cluster="$version $name"
  fi
  if ! pg_isready -q -h "$host" -p "$port"; then
    echo "starting PostgreSQL $cluster on port $port"
    # shellcheck disable=SC2086 # "VERSION NAME", two words
    pg_ctlcluster $cluster start 2>/dev/null || true
    wait_for 60 pg_isready -q -h "$host" -p "$port" ||
      { echo "error: PostgreSQL did not start; see /var/log/postgresql/" >&2; exit 1; }
  fi
  # The role and its database, made or given this password again (by the superuser, over the local socket).
  # The role may end other sessions of non-superusers: a test drops its database WITH (FORCE), even while
  # a background process of the server is still on it.
  # The statements come on stdin, so the password is on no command line.
  echo "making sure PostgreSQL has role $role with database $database"
  local literal=${password//\'/\'\'}
  (cd / && su postgres -c "psql -q -v ON_ERROR_STOP=1 -p $port") >/dev/null <<SQL
SET client_min_messages = warning;
SELECT format('CREATE ROLE %I', '$role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') \gexec
ALTER ROLE "$role" LOGIN CREATEDB PASSWORD '$literal';
GRANT pg_signal_backend TO "$role";
SELECT format('CREATE DATABASE %I OWNER %I', '$database', '$role')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$database') \gexec
SQL
  psql -h "$host" -p "$port" -U "$role" -d "$database" -Atqc 'SELECT 1' >/dev/null ||
    { echo "error: PostgreSQL still refuses $role at $host:$port" >&2; exit 1; }
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
    --postgres) ensure_postgres ;;
    --compose) ensure_compose ;;
    *) echo "unknown option $option" >&2; exit 2 ;;
  esac
done
