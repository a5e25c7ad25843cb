#!/usr/bin/env bash
# Local Neo4j 5.26 Community server for development and tests, without Docker.
# The jars come from Maven Central (pom.xml); the server is the stock
# org.neo4j.server.CommunityEntryPoint, run in the background.
#
#   neo4j.sh start | stop | status | wipe-data
#
# Environment:
#   NEO4J_BOLT_PORT      Bolt port on 127.0.0.1 (default 7687)
#   NEO4J_HOME_DIR       data, logs, conf and pid of this instance
#                        (default deploy/neo4j/.neo4j/<port>, so another port never shares data)
#   NEO4J_HEAP           JVM max heap (default 2g); page cache is set in neo4j.conf (512m)
#   NEO4J_START_TIMEOUT  seconds to wait for Bolt (default 180)
#   NEO4J_STOP_TIMEOUT   seconds to wait for a clean stop before SIGKILL (default 60)
# Credentials: neo4j / orggraph-dev (set before the first start of a fresh data folder).
#
# Exit codes: 0 ok; 1 failure; 2 usage; 3 (status only) not running or not reachable.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PORT=${NEO4J_BOLT_PORT:-7687}
HOME_DIR=${NEO4J_HOME_DIR:-$HERE/.neo4j/$PORT}
HEAP=${NEO4J_HEAP:-2g}
START_TIMEOUT=${NEO4J_START_TIMEOUT:-180}
STOP_TIMEOUT=${NEO4J_STOP_TIMEOUT:-60}
PASSWORD=orggraph-dev
LIB=$HERE/target/lib
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
MARKER="# written by deploy/neo4j/neo4j.sh"

say() { printf 'neo4j: %s\n' "$*"; }
die() { printf 'neo4j: %s\n' "$*" >&2; exit 1; }

[[ $PORT =~ ^[0-9]+$ ]] || die "NEO4J_BOLT_PORT must be a number / 端口必须是数字: $PORT"
# The server wants an absolute home; status/stop must not create it.
[[ $HOME_DIR == /* ]] || HOME_DIR=$PWD/$HOME_DIR
PID_FILE=$HOME_DIR/run/neo4j.pid
PORT_FILE=$HOME_DIR/run/bolt.port

# What the stock launcher (bin/neo4j) would pass, minus -XX:+AlwaysPreTouch and -Xms: on a
# machine shared with tests the heap should grow only as needed (debug.log then warns, harmlessly).
JVM_OPTS=(
  "-Xmx$HEAP"
  -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow -XX:+DisableExplicitGC
  -XX:+UnlockExperimentalVMOptions -XX:+TrustFinalNonStaticFields
  -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints
  -Djdk.nio.maxCachedBufferSize=1024 -Dio.netty.tryReflectionSetAccessible=true
  -Djdk.tls.ephemeralDHKeySize=2048 -Djdk.tls.rejectClientInitiatedRenegotiation=true
  -Dlog4j2.disable.jmx=true -Dfile.encoding=UTF-8
  # Without these the page cache and transaction logs fall back to slower paths.
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
)

port_open() { # port -> 0 if something accepts TCP connections on 127.0.0.1:port
  if command -v timeout >/dev/null; then
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

pid_alive() { # 0 if the pid file names a live server for THIS home (guards against pid reuse)
  local pid
  [[ -f $PID_FILE ]] || return 1
  pid=$(<"$PID_FILE")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  ps -ww -o args= -p "$pid" 2>/dev/null | grep -qF -- "--home-dir=$HOME_DIR "
}

running_port() { if [[ -f $PORT_FILE ]]; then cat "$PORT_FILE"; else echo "$PORT"; fi; }

log_tail() {
  local f
  for f in "$HOME_DIR/logs/console.log" "$HOME_DIR/logs/neo4j.log"; do
    [[ -s $f ]] && { echo "---- tail $f"; tail -n 30 "$f"; }
  done
  echo "---- errors in $HOME_DIR/logs/debug.log"
  grep -E ' (ERROR|WARN) ' "$HOME_DIR/logs/debug.log" 2>/dev/null | tail -n 10 || true
}

check_java() {
  command -v "$JAVA" >/dev/null || die "java not found; install Java 17 or 21 / 未找到 java"
  local v
  v=$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)
  [[ ${v:-0} -ge 17 ]] || die "Neo4j 5.26 needs Java 17 or 21, found ${v:-unknown} / 需要 Java 17 或 21"
}

build() { # fetch the jars once; redo only when pom.xml changes
  local want stamp=$LIB/.pom.sha256
  want=$(sha256sum "$HERE/pom.xml" | cut -d' ' -f1)
  [[ -f $stamp && $(<"$stamp") == "$want" ]] && return 0
  command -v mvn >/dev/null || die "mvn not found; needed once to fetch Neo4j / 未找到 mvn"
  mkdir -p "$HERE/target"
  # Lock so two instances started at once do not both write target/lib.
  (
    if command -v flock >/dev/null; then flock 9; fi
    [[ -f $stamp && $(<"$stamp") == "$want" ]] && exit 0
    say "fetching Neo4j jars with Maven (first use only) / 首次使用：正在用 Maven 下载 Neo4j"
    rm -rf "$LIB"
    local log=$HERE/target/build.log
    # Offline first: works without network once ~/.m2 has everything.
    if mvn -q -B -o -f "$HERE/pom.xml" package >"$log" 2>&1 \
       || mvn -q -B -f "$HERE/pom.xml" package >"$log" 2>&1; then
      echo "$want" >"$stamp"
    else
      tail -n 40 "$log" >&2
      die "Maven build failed, see $log / Maven 构建失败"
    fi
  ) 9>"$HERE/target/.build.lock"
}

write_conf() {
  mkdir -p "$HOME_DIR/conf" "$HOME_DIR/logs" "$HOME_DIR/run"
  {
    echo "$MARKER; edit deploy/neo4j/neo4j.conf instead"
    cat "$HERE/neo4j.conf"
    echo "server.bolt.listen_address=127.0.0.1:$PORT"
    # Routing drivers (neo4j://) are told to come back here, so it must be reachable as-is.
    echo "server.bolt.advertised_address=127.0.0.1:$PORT"
  } >"$HOME_DIR/conf/neo4j.conf"
}

set_initial_password() { # only takes effect before the system database exists
  [[ -d $HOME_DIR/data/databases/system ]] && return 0
  NEO4J_HOME=$HOME_DIR NEO4J_CONF=$HOME_DIR/conf \
    "$JAVA" -Xmx256m -cp "$LIB/*" org.neo4j.cli.AdminTool \
    dbms set-initial-password "$PASSWORD" >>"$HOME_DIR/logs/console.log" 2>&1 \
    || { log_tail; die "could not set the initial password / 设置初始密码失败"; }
}

wait_for_bolt() { # pid port log_offset
  local pid=$1 port=$2 offset=$3 t0=$SECONDS
  while ((SECONDS - t0 < START_TIMEOUT)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      log_tail
      die "server exited during start-up / 启动失败，进程已退出"
    fi
    # Bolt accepts connections a moment before the default database is online; wait for both.
    if port_open "$port" && tail -c +"$((offset + 1))" "$HOME_DIR/logs/neo4j.log" 2>/dev/null | grep -q ' INFO  Started\.'; then
      return 0
    fi
    sleep 0.5
  done
  log_tail
  say "Bolt not reachable on 127.0.0.1:$port after ${START_TIMEOUT}s, stopping it / 等待超时"
  cmd_stop  # an orphan would hold the port and the store lock for the next attempt
  exit 1
}

cmd_start() {
  if pid_alive; then
    local port
    port=$(running_port)
    [[ $port == "$PORT" ]] || die "already running for $HOME_DIR on port $port, not $PORT / 已在其他端口运行"
    port_open "$port" || wait_for_bolt "$(<"$PID_FILE")" "$port" 0
    say "already running on bolt://127.0.0.1:$port (pid $(<"$PID_FILE")) / 已在运行"
    return 0
  fi
  port_open "$PORT" && die "port $PORT is in use by another process / 端口 $PORT 已被占用"
  check_java
  build
  write_conf
  set_initial_password
  local offset=0 t0=$SECONDS pid
  [[ -f $HOME_DIR/logs/neo4j.log ]] && offset=$(wc -c <"$HOME_DIR/logs/neo4j.log")
  echo "==== start $(date '+%F %T') port $PORT" >>"$HOME_DIR/logs/console.log"
  # setsid: the server outlives this shell and ignores its terminal's Ctrl-C.
  # In a non-interactive shell the subshell is not a group leader, so setsid execs in place
  # and $! is the java pid.
  (cd "$HOME_DIR" && exec setsid "$JAVA" "${JVM_OPTS[@]}" -cp "$LIB/*" \
    org.neo4j.server.CommunityEntryPoint --home-dir="$HOME_DIR" --config-dir="$HOME_DIR/conf" \
    </dev/null >>"$HOME_DIR/logs/console.log" 2>&1) &
  pid=$!
  echo "$pid" >"$PID_FILE"
  echo "$PORT" >"$PORT_FILE"
  say "starting on 127.0.0.1:$PORT (pid $pid, home $HOME_DIR) / 正在启动"
  wait_for_bolt "$pid" "$PORT" "$offset"
  say "ready: bolt://127.0.0.1:$PORT  user neo4j / password $PASSWORD  ($((SECONDS - t0))s) / 已就绪"
}

cmd_stop() {
  if ! pid_alive; then
    rm -f "$PID_FILE" "$PORT_FILE"
    say "not running / 未运行"
    return 0
  fi
  local pid t0=$SECONDS port
  pid=$(<"$PID_FILE")
  port=$(running_port)
  kill -TERM "$pid" 2>/dev/null || true   # shutdown hook checkpoints and closes the store
  while kill -0 "$pid" 2>/dev/null && ((SECONDS - t0 < STOP_TIMEOUT)); do sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    say "no clean stop after ${STOP_TIMEOUT}s, killing / 强制结束"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
  rm -f "$PID_FILE" "$PORT_FILE"
  say "stopped (port $port) / 已停止"
}

cmd_status() {
  local port
  port=$(running_port)
  if pid_alive; then
    if port_open "$port"; then
      say "running on bolt://127.0.0.1:$port (pid $(<"$PID_FILE"), home $HOME_DIR) / 运行中"
      return 0
    fi
    say "process $(<"$PID_FILE") alive but Bolt 127.0.0.1:$port not reachable (starting?) / 进程在但端口不通"
    return 3
  fi
  say "not running (home $HOME_DIR) / 未运行"
  return 3
}

cmd_wipe_data() {
  pid_alive && die "stop the server first / 请先停止服务"
  if [[ ! -d $HOME_DIR/data ]]; then
    say "no data to wipe in $HOME_DIR / 没有数据"
    return 0
  fi
  # Only delete folders this script set up, whatever NEO4J_HOME_DIR points at.
  head -n1 "$HOME_DIR/conf/neo4j.conf" 2>/dev/null | grep -qF "$MARKER" \
    || die "$HOME_DIR was not set up by neo4j.sh; not deleting / 非本脚本创建的目录，拒绝删除"
  rm -rf "$HOME_DIR/data"
  say "wiped $HOME_DIR/data (password resets to $PASSWORD on next start) / 数据已清除"
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  wipe-data) cmd_wipe_data ;;
  *) echo "usage: $0 start|stop|status|wipe-data" >&2; exit 2 ;;
esac
