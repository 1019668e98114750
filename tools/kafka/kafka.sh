#!/usr/bin/env bash
# Start and stop a real Apache Kafka (KRaft, combined broker+controller) on loopback for SKMS.
#
#   tools/kafka/kafka.sh fetch                 download broker jars (once; cached)
#   tools/kafka/kafka.sh up [--nodes 1|3]      format (first time), start, wait until ready
#   tools/kafka/kafka.sh down [--nodes 1|3]    stop the brokers (both topologies without --nodes)
#   tools/kafka/kafka.sh status [--nodes 1|3]  show each node: running / stopped / frozen
#   tools/kafka/kafka.sh kill-broker N         SIGKILL node N (fault injection)
#   tools/kafka/kafka.sh stop-broker N         SIGSTOP node N (a hung broker)
#   tools/kafka/kafka.sh cont-broker N         SIGCONT node N
#   tools/kafka/kafka.sh start-broker N        start node N again (after kill-broker)
#   tools/kafka/kafka.sh wait [--nodes 1|3]    wait until the running cluster is ready
#   tools/kafka/kafka.sh logs N                path of node N's server log
#
# The per-node commands act on the running topology (or the one named by --nodes).
#
# Topologies (default ports; the two cannot run at the same time since both use 19092):
#   1 node : broker 127.0.0.1:19092, controller 127.0.0.1:19192
#            RF 1, min.insync.replicas 1, transaction log RF 1 / min.isr 1
#   3 nodes: brokers 127.0.0.1:19092,19093,19094, controllers 127.0.0.1:19192,19193,19194
#            default.replication.factor 3, min.insync.replicas 2, transaction log RF 3 / min.isr 2
#
# Environment:
#   SKMS_KAFKA_HOME     jar cache (default ~/.cache/skms/kafka): <home>/<version>/libs, <home>/m2
#   SKMS_KAFKA_RUN_DIR  base of the run dirs (default /tmp/skms-kafka): <base>/<1node|3node>/
#                       holds node-N/{server.properties,data,logs/server.log,kafka.pid,stdout.log}
#   SKMS_KAFKA_HEAP     JVM heap per broker (default 512m)
#   SKMS_KAFKA_READY_TIMEOUT  seconds to wait for readiness (default 120)
#   SKMS_KAFKA_JAVA     java binary (default: java on PATH, else a JDK >= 17 under /usr/lib/jvm)
#   SKMS_KAFKA_BROKER_PORT_BASE, SKMS_KAFKA_CONTROLLER_PORT_BASE  node N listens on base+N
#                       (defaults 19091, 19191). A second, private cluster (the soak's own
#                       broker faults while the shared one serves others) takes other bases
#                       AND another SKMS_KAFKA_RUN_DIR, e.g. 29091 / 29191 / /tmp/soak-kafka.
#   SKMS_PYTHON         python with kafka-python for the readiness check (default: the repo's
#                       .venv/bin/python, else python3)
set -euo pipefail

KAFKA_VERSION="4.4.0"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
KAFKA_HOME="${SKMS_KAFKA_HOME:-$HOME/.cache/skms/kafka}"
LIBS="$KAFKA_HOME/$KAFKA_VERSION/libs"
RUN_BASE="${SKMS_KAFKA_RUN_DIR:-/tmp/skms-kafka}"
HEAP="${SKMS_KAFKA_HEAP:-512m}"
READY_TIMEOUT="${SKMS_KAFKA_READY_TIMEOUT:-120}"
BROKER_PORT_BASE="${SKMS_KAFKA_BROKER_PORT_BASE:-19091}"          # node N listens on base+N
CONTROLLER_PORT_BASE="${SKMS_KAFKA_CONTROLLER_PORT_BASE:-19191}"  # its controller on base+N
# A fixed cluster id per topology keeps re-formatting deterministic (base64url of 16 bytes).
CLUSTER_ID_1="c2ttcy1rYWZrYS0xbm9kZQ"
CLUSTER_ID_3="c2ttcy1rYWZrYS0zbm9kZQ"

die() { echo "kafka.sh: error: $*" >&2; exit 1; }
say() { echo "kafka.sh: $*" >&2; }

# ---------------------------------------------------------------- tools
find_java() {
    if [[ -n "${SKMS_KAFKA_JAVA:-}" ]]; then echo "$SKMS_KAFKA_JAVA"; return; fi
    local j ver
    for j in "$(command -v java 2>/dev/null || true)" /usr/lib/jvm/*/bin/java /opt/*/bin/java; do
        [[ -n "$j" && -x "$j" ]] || continue
        ver="$("$j" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
        if [[ -n "$ver" && "$ver" -ge 17 ]]; then echo "$j"; return; fi
    done
    die "no Java >= 17 found (Kafka $KAFKA_VERSION brokers need Java 17); set SKMS_KAFKA_JAVA"
}

find_python() {
    if [[ -n "${SKMS_PYTHON:-}" ]]; then echo "$SKMS_PYTHON"; return; fi
    if [[ -x "$REPO_ROOT/.venv/bin/python" ]]; then echo "$REPO_ROOT/.venv/bin/python"; return; fi
    command -v python3 || die "no python3 for the readiness check; set SKMS_PYTHON"
}

# ---------------------------------------------------------------- fetch
cmd_fetch() {
    if [[ -f "$LIBS/.complete" ]]; then
        say "Kafka $KAFKA_VERSION already fetched in $LIBS"
        return
    fi
    command -v mvn >/dev/null || die "mvn not found (needed once to fetch the broker jars)"
    say "fetching Kafka $KAFKA_VERSION jars into $LIBS (maven cache $KAFKA_HOME/m2)"
    rm -rf "$LIBS"
    mkdir -p "$LIBS"
    local start=$SECONDS
    if ! mvn -q -B -f "$SCRIPT_DIR/pom.xml" \
            -Dmaven.repo.local="$KAFKA_HOME/m2" \
            -Dkafka.version="$KAFKA_VERSION" \
            dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIBS" \
            > "$KAFKA_HOME/fetch.log" 2>&1; then
        rm -rf "$LIBS"
        sed 's/\x1b\[[0-9;]*m//g' "$KAFKA_HOME/fetch.log" | tail -20 >&2
        die "mvn could not fetch the Kafka jars (full output: $KAFKA_HOME/fetch.log)"
    fi
    [[ -f "$LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]] || die "kafka_2.13-$KAFKA_VERSION.jar missing after fetch"
    touch "$LIBS/.complete"
    say "fetched $(find "$LIBS" -name '*.jar' | wc -l) jars in $((SECONDS - start))s"
}

# ---------------------------------------------------------------- layout
mode_dir() { echo "$RUN_BASE/${1}node"; }
node_dir() { echo "$(mode_dir "$1")/node-$2"; }
pid_of() {  # prints the pid of a live node process, or nothing
    local f pid
    f="$(node_dir "$1" "$2")/kafka.pid"
    [[ -f "$f" ]] || return 0
    pid="$(cat "$f")"
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null \
            && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka"; then
        echo "$pid"
    fi
}
running_modes() {
    local m n
    for m in 1 3; do
        for ((n = 1; n <= m; n++)); do
            if [[ -n "$(pid_of "$m" "$n")" ]]; then echo "$m"; break; fi
        done
    done
}
bootstrap_of() {
    local m=$1 n out=""
    for ((n = 1; n <= m; n++)); do out+="${out:+,}127.0.0.1:$((BROKER_PORT_BASE + n))"; done
    echo "$out"
}

write_config() {  # mode node
    local m=$1 n=$2 dir voters="" i rf minisr
    dir="$(node_dir "$m" "$n")"
    for ((i = 1; i <= m; i++)); do voters+="${voters:+,}$i@127.0.0.1:$((CONTROLLER_PORT_BASE + i))"; done
    if [[ "$m" == 3 ]]; then rf=3; minisr=2; else rf=1; minisr=1; fi
    mkdir -p "$dir/data" "$dir/logs"
    cat > "$dir/server.properties" <<EOF
# Written by tools/kafka/kafka.sh; regenerated on every start.
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$((BROKER_PORT_BASE + n)),CONTROLLER://127.0.0.1:$((CONTROLLER_PORT_BASE + n))
advertised.listeners=PLAINTEXT://127.0.0.1:$((BROKER_PORT_BASE + n))
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data

# Durability (the ledger relies on these; the store checks its own topics too).
default.replication.factor=$rf
min.insync.replicas=$minisr
offsets.topic.replication.factor=$rf
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$minisr
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$minisr
unclean.leader.election.enable=false
auto.create.topics.enable=false
num.partitions=1

# Small machine (2 cores): few threads, few internal partitions.
num.network.threads=2
num.io.threads=2
background.threads=2
num.recovery.threads.per.data.dir=1
num.replica.fetchers=1
log.cleaner.threads=1
offsets.topic.num.partitions=3
transaction.state.log.num.partitions=3
share.coordinator.state.topic.num.partitions=1
group.initial.rebalance.delay.ms=0
# Cluster members (skms serve --cluster) may ask for sessions this short: a dead member's
# chains move within seconds (docs/operations.md, "Scaling out").
group.min.session.timeout.ms=1000
log.segment.bytes=16777216
EOF
}

write_log4j() {  # mode node
    local dir
    dir="$(node_dir "$1" "$2")"
    cat > "$dir/log4j2.properties" <<EOF
status = warn
appender.server.type = RollingFile
appender.server.name = server
appender.server.fileName = $dir/logs/server.log
appender.server.filePattern = $dir/logs/server.log.%i
appender.server.layout.type = PatternLayout
appender.server.layout.pattern = [%d] %p %m (%c)%n
appender.server.policies.type = Policies
appender.server.policies.size.type = SizeBasedTriggeringPolicy
appender.server.policies.size.size = 20MB
appender.server.strategy.type = DefaultRolloverStrategy
appender.server.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.server.ref = server
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.apache.name = org.apache.kafka
logger.apache.level = INFO
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
}

format_node() {  # mode node
    local m=$1 n=$2 dir java cid
    dir="$(node_dir "$m" "$n")"
    [[ -f "$dir/data/meta.properties" ]] && return 0
    java="$(find_java)"
    if [[ "$m" == 3 ]]; then cid=$CLUSTER_ID_3; else cid=$CLUSTER_ID_1; fi
    "$java" -Xmx256m -cp "$LIBS/*" -Dlog4j2.configurationFile="$dir/log4j2.properties" \
        kafka.tools.StorageTool format -t "$cid" -c "$dir/server.properties" \
        > "$dir/logs/format.log" 2>&1 \
        || die "formatting node $n failed: see $dir/logs/format.log"$'\n'"$(tail -5 "$dir/logs/format.log")"
}

prepare_node() {  # mode node: config files, and storage formatted on first use
    write_config "$1" "$2"
    write_log4j "$1" "$2"
    format_node "$1" "$2"
}

start_node() {  # mode node [prepared]
    local m=$1 n=$2 prepared=${3:-} dir java pid
    dir="$(node_dir "$m" "$n")"
    if [[ -n "$(pid_of "$m" "$n")" ]]; then return 0; fi
    [[ -f "$LIBS/.complete" ]] || cmd_fetch
    port_free "$((BROKER_PORT_BASE + n))" || die "port $((BROKER_PORT_BASE + n)) is taken by another process (another Kafka? run: kafka.sh down)"
    port_free "$((CONTROLLER_PORT_BASE + n))" || die "port $((CONTROLLER_PORT_BASE + n)) is taken by another process"
    [[ -n "$prepared" ]] || prepare_node "$m" "$n"
    java="$(find_java)"
    # setsid: the broker outlives this shell and gets no SIGHUP from the caller's terminal.
    setsid "$java" -server "-Xmx$HEAP" "-Xms$HEAP" \
        -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:ParallelGCThreads=1 -XX:ConcGCThreads=1 \
        -XX:CICompilerCount=2 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
        -Dlog4j2.configurationFile="$dir/log4j2.properties" -Dkafka.logs.dir="$dir/logs" \
        -cp "$LIBS/*" kafka.Kafka "$dir/server.properties" \
        > "$dir/logs/stdout.log" 2>&1 < /dev/null &
    pid=$!
    echo "$pid" > "$dir/kafka.pid"
    say "node $n started (pid $pid, broker 127.0.0.1:$((BROKER_PORT_BASE + n)), log $dir/logs/server.log)"
}

port_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

stop_nodes() {  # mode node... : SIGTERM all at once (a lone survivor of a 3-node quorum
               # cannot finish a controlled shutdown), wait, SIGKILL what is left after 30s
    local m=$1 n pid i; shift
    local -A pids=()
    for n in "$@"; do
        pid="$(pid_of "$m" "$n")"
        if [[ -z "$pid" ]]; then rm -f "$(node_dir "$m" "$n")/kafka.pid"; continue; fi
        kill -CONT "$pid" 2>/dev/null || true   # a SIGSTOPped broker cannot handle SIGTERM
        kill -TERM "$pid" 2>/dev/null || true
        pids[$n]=$pid
    done
    for ((i = 0; i < 300; i++)); do
        for n in "${!pids[@]}"; do
            if ! kill -0 "${pids[$n]}" 2>/dev/null; then
                rm -f "$(node_dir "$m" "$n")/kafka.pid"
                say "${m}-node cluster: node $n stopped"
                unset "pids[$n]"
            fi
        done
        [[ ${#pids[@]} -gt 0 ]] || return 0
        sleep 0.1
    done
    for n in "${!pids[@]}"; do
        say "${m}-node cluster: node $n did not stop within 30s; killing it"
        kill -KILL "${pids[$n]}" 2>/dev/null || true
        while kill -0 "${pids[$n]}" 2>/dev/null; do sleep 0.1; done
        rm -f "$(node_dir "$m" "$n")/kafka.pid"
    done
}

# ---------------------------------------------------------------- readiness
wait_ready() {  # mode
    local m=$1 py bootstrap
    py="$(find_python)"
    bootstrap="$(bootstrap_of "$m")"
    say "waiting for $m node(s) at $bootstrap (timeout ${READY_TIMEOUT}s)"
    SKMS_READY_LOGS="$(mode_dir "$m")" "$py" - "$bootstrap" "$m" "$READY_TIMEOUT" <<'PY'
import logging
import os
import socket
import sys
import time

logging.disable(logging.CRITICAL)  # kafka-python logs connection refusals loudly while booting
try:
    from kafka import KafkaAdminClient, KafkaProducer
except ImportError:
    sys.exit("kafka.sh: error: kafka-python is not importable by %s; set SKMS_PYTHON" % sys.executable)

bootstrap, nodes, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
deadline = time.monotonic() + timeout
logs = os.environ["SKMS_READY_LOGS"]
last = "no answer yet"


def pids_alive() -> list[int]:
    dead = []
    for n in range(1, nodes + 1):
        try:
            with open(f"{logs}/node-{n}/kafka.pid") as f:
                os.kill(int(f.read().strip()), 0)
        except (OSError, ValueError):
            dead.append(n)
    return dead


while True:
    dead = pids_alive()
    if dead:
        n = dead[0]
        sys.exit(f"kafka.sh: error: node {n} exited while starting; see "
                 f"{logs}/node-{n}/logs/server.log and {logs}/node-{n}/logs/stdout.log")
    # Plain TCP first: kafka-python's bootstrap backs off for up to 30s on refused ports.
    closed = []
    for hostport in bootstrap.split(","):
        host, port = hostport.rsplit(":", 1)
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
        except OSError:
            closed.append(hostport)
    if closed:
        last = f"not listening yet: {', '.join(closed)}"
        if time.monotonic() > deadline:
            sys.exit(f"kafka.sh: error: cluster at {bootstrap} not ready after {timeout:.0f}s "
                     f"({last}); see {logs}/node-1/logs/server.log")
        time.sleep(0.3)
        continue
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000,
                                 bootstrap_timeout_ms=5000, reconnect_backoff_max_ms=1000,
                                 client_id="skms-kafka-ready")
        try:
            cluster = admin.describe_cluster()
            brokers = sorted(b["broker_id"] for b in cluster["brokers"]
                             if not b.get("is_fenced", False))
            admin.list_topics()
            if len(brokers) == nodes and cluster.get("controller_id", -1) not in (-1, None):
                break
            last = f"brokers registered: {brokers}, controller: {cluster.get('controller_id')}"
        finally:
            admin.close()
    except Exception as exc:  # noqa: BLE001 - anything means "not yet"
        last = f"{type(exc).__name__}: {exc}"
    if time.monotonic() > deadline:
        sys.exit(f"kafka.sh: error: cluster at {bootstrap} not ready after {timeout:.0f}s "
                 f"({last}); see {logs}/node-1/logs/server.log")
    time.sleep(0.3)

# Transactions: InitProducerId creates __transaction_state; do it now so the first test is fast
# and a broken transaction setup shows here rather than as a hung test.
while True:
    try:
        remaining = max(1000, int((deadline - time.monotonic()) * 1000))
        p = KafkaProducer(bootstrap_servers=bootstrap, transactional_id="skms-kafka-ready",
                          max_block_ms=remaining, client_id="skms-kafka-ready",
                          bootstrap_timeout_ms=5000, reconnect_backoff_max_ms=1000)
        try:
            p.init_transactions()
        finally:
            p.close(timeout=5)
        break
    except Exception as exc:  # noqa: BLE001
        last = f"{type(exc).__name__}: {exc}"
        if time.monotonic() > deadline:
            sys.exit(f"kafka.sh: error: transactions not usable at {bootstrap} after "
                     f"{timeout:.0f}s ({last}); see {logs}/node-1/logs/server.log")
        time.sleep(0.5)
print(f"kafka.sh: ready: {nodes} broker(s) at {bootstrap}", file=sys.stderr)
PY
}

# ---------------------------------------------------------------- commands
parse_nodes() {  # sets NODES from --nodes N (empty when not given)
    NODES=""
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --nodes) [[ $# -ge 2 ]] || die "--nodes needs 1 or 3"; NODES="$2"; shift 2 ;;
            --nodes=*) NODES="${1#--nodes=}"; shift ;;
            *) die "unknown argument: $1" ;;
        esac
    done
    [[ -z "$NODES" || "$NODES" == 1 || "$NODES" == 3 ]] || die "--nodes must be 1 or 3, not $NODES"
}

current_mode() {  # the topology named by NODES, else the running one, else 1
    if [[ -n "${NODES:-}" ]]; then echo "$NODES"; return; fi
    local modes
    modes="$(running_modes)"
    if [[ -z "$modes" ]]; then echo 1; else echo "$modes" | head -1; fi
}

cmd_up() {
    parse_nodes "$@"
    local m=${NODES:-1} other n pid start=$SECONDS
    other=$((m == 1 ? 3 : 1))
    if [[ -n "$(running_modes | grep -x "$other" || true)" ]]; then
        die "the ${other}-node cluster is running and uses the same ports; run: kafka.sh down"
    fi
    [[ -f "$LIBS/.complete" ]] || cmd_fetch
    # Prepare (format) the stopped nodes in parallel: each format is a JVM start.
    local -a jobs=()
    for ((n = 1; n <= m; n++)); do
        if [[ -z "$(pid_of "$m" "$n")" ]]; then prepare_node "$m" "$n" & jobs+=($!); fi
    done
    for pid in "${jobs[@]}"; do wait "$pid" || die "preparing the ${m}-node cluster failed (see above)"; done
    for ((n = 1; n <= m; n++)); do start_node "$m" "$n" prepared; done
    wait_ready "$m"
    say "up in $((SECONDS - start))s; bootstrap $(bootstrap_of "$m"); run dir $(mode_dir "$m")"
    bootstrap_of "$m"
}

cmd_down() {
    parse_nodes "$@"
    local modes m n
    if [[ -n "$NODES" ]]; then modes="$NODES"; else modes="1 3"; fi
    for m in $modes; do
        stop_nodes "$m" $(seq 1 "$m")
    done
}

cmd_status() {
    parse_nodes "$@"
    local modes m n pid state any=1
    if [[ -n "$NODES" ]]; then modes="$NODES"; else modes="1 3"; fi
    for m in $modes; do
        for ((n = 1; n <= m; n++)); do
            pid="$(pid_of "$m" "$n")"
            [[ -d "$(node_dir "$m" "$n")" ]] || continue
            if [[ -z "$pid" ]]; then state="stopped"
            elif [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == "T" ]]; then state="frozen (SIGSTOP), pid $pid"; any=0
            else state="running, pid $pid"; any=0
            fi
            echo "${m}-node cluster: node $n (127.0.0.1:$((BROKER_PORT_BASE + n))): $state"
        done
    done
    return $any
}

node_arg() {  # mode from --nodes or the running cluster; node number checked
    [[ $# -ge 1 && "$1" =~ ^[0-9]+$ ]] || die "give a node number"
    N="$1"; shift
    parse_nodes "$@"
    M="$(current_mode)"
    (( N >= 1 && N <= M )) || die "node $N does not exist in the ${M}-node cluster"
}

cmd_signal() {  # signal node...
    local sig=$1 pid; shift
    node_arg "$@"
    pid="$(pid_of "$M" "$N")"
    [[ -n "$pid" ]] || die "node $N of the ${M}-node cluster is not running"
    kill "-$sig" "$pid"
    if [[ "$sig" == KILL ]]; then
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
        rm -f "$(node_dir "$M" "$N")/kafka.pid"
    fi
    say "sent SIG$sig to node $N (pid $pid)"
}

cmd_start_broker() {
    node_arg "$@"
    start_node "$M" "$N"
}

usage() { sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

main() {
    [[ $# -ge 1 ]] || { usage; exit 2; }
    local cmd=$1; shift
    case "$cmd" in
        fetch) cmd_fetch ;;
        up) cmd_up "$@" ;;
        down) cmd_down "$@" ;;
        status) cmd_status "$@" ;;
        wait) parse_nodes "$@"; wait_ready "$(current_mode)" ;;
        kill-broker) cmd_signal KILL "$@" ;;
        stop-broker) cmd_signal STOP "$@" ;;
        cont-broker) cmd_signal CONT "$@" ;;
        start-broker) cmd_start_broker "$@" ;;
        logs) node_arg "$@"; echo "$(node_dir "$M" "$N")/logs/server.log" ;;
        -h|--help|help) usage ;;
        *) usage; exit 2 ;;
    esac
}

main "$@"
