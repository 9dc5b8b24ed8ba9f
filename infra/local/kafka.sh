#!/usr/bin/env bash
# An Apache Kafka broker of the checkout's own for tests and local runs, without Docker:
# a single KRaft node (broker and controller in one JVM) on 127.0.0.1, run from the
# release's jars on Maven Central (resolved by Maven from kafka/pom.xml, cached once per
# machine). Data, logs and the pid live under infra/local/.state/kafka (THOTH_KAFKA_STATE_DIR).
#
# Secured as production is: clients speak SASL_SSL (TLS with the development CA's `kafka`
# certificate, SCRAM-SHA-512), the StandardAuthorizer denies what no ACL grants, and the ACLs
# are infra/kafka/access.txt's. Each principal's password is drawn per state directory and kept
# in its secrets/ (mode 0600); `env` prints what a client needs. The KRaft controller listener
# stays PLAINTEXT on 127.0.0.1 (see write_configs).
#
#   kafka.sh start                      start (formatting storage on first use); quick when running
#   kafka.sh stop                       SIGTERM (controlled shutdown), SIGKILL after a timeout
#   kafka.sh status                     version and address; exit 3 when stopped
#   kafka.sh brokers                    the bootstrap address, e.g. 127.0.0.1:19092
#   kafka.sh env [--test] [PRINCIPAL]   KAFKA_BROKERS, KAFKA_SASL_*, KAFKA_TLS_CA_FILE lines for
#                                       PRINCIPAL (default admin); --test: THOTH_TEST_KAFKA_* names
#   kafka.sh run-class CLASS [ARGS...]  run a Kafka CLI main class on the same jars; admin's
#                                       client settings are in $(kafka.sh env | …) / secrets/admin.properties
#
# THOTH_KAFKA_SECURITY=plaintext, for a private broker only (with THOTH_KAFKA_STATE_DIR): no TLS,
# no SASL, no authorizer. It exists so that a benchmark can measure what security costs against
# the same broker without it (bench:ledger); the shared broker and every test are secured.
#
# Topics are never auto-created (auto.create.topics.enable=false): tests create the
# topics they use, as production does, so a typo in a topic name fails loudly.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=kafka

# Pinned: kafkajs 2.2.4 is frozen, and Kafka 4.x removed the old protocol versions it
# speaks. Keep in step with kafka/pom.xml and infra/compose/compose.yaml.
KAFKA_VERSION=3.9.1
HOST=127.0.0.1
PORT=${THOTH_KAFKA_PORT:-19092}
CONTROLLER_PORT=${THOTH_KAFKA_CONTROLLER_PORT:-19093}
# THOTH_KAFKA_STATE_DIR lets a second, private broker (other ports) run beside the shared one,
# e.g. for a test that stops and restarts its broker without disturbing other tests.
STATE=${THOTH_KAFKA_STATE_DIR:-$STATE_ROOT/kafka}
DATA=$STATE/data
LOGS=$STATE/logs
PIDFILE=$STATE/kafka.pid
SECRETS=$STATE/secrets
ACCESS_TABLE=$THOTH_ROOT/infra/kafka/access.txt
# What the data directory was formatted for. Storage formatted under another layout (the
# PLAINTEXT broker of before, or one without these SCRAM users) is formatted again.
SECURITY_LAYOUT="sasl_ssl scram-sha-512 standard-authorizer v1"
SECURITY=${THOTH_KAFKA_SECURITY:-sasl_ssl}
case $SECURITY in
  sasl_ssl) ;;
  plaintext)
    [ -n "${THOTH_KAFKA_STATE_DIR:-}" ] || die "THOTH_KAFKA_SECURITY=plaintext is for a private broker (THOTH_KAFKA_STATE_DIR) only"
    SECURITY_LAYOUT="plaintext v1"
    ;;
  *) die "THOTH_KAFKA_SECURITY is sasl_ssl (the default) or plaintext, not '$SECURITY'" ;;
esac
plaintext() { [ "$SECURITY" = plaintext ]; }
POM=$INFRA_LOCAL/kafka/pom.xml
LIBS=$CACHE_ROOT/kafka-$KAFKA_VERSION/libs
START_TIMEOUT=${THOTH_KAFKA_START_TIMEOUT:-120}
STOP_TIMEOUT=${THOTH_KAFKA_STOP_TIMEOUT:-30}
HEAP_OPTS=${THOTH_KAFKA_HEAP_OPTS:--Xmx768m -Xms256m}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

ensure_tools() {
  local missing=()
  command -v "$JAVA" >/dev/null || missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || [ -f "$LIBS/.complete" ] || missing+=(maven)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

# The jars, copied once per machine from Maven Central. The stamp holds the pom's hash,
# so changing the pom resolves again; the copy lands in a temporary directory and is moved
# into place whole, so an interrupted download is never taken for a complete one.
ensure_libs() {
  local want
  want=$(sha256sum "$POM" | cut -c1-64)
  [ -f "$LIBS/.complete" ] && [ "$(cat "$LIBS/.complete")" = "$want" ] && return 0
  local tmp=$LIBS.tmp.$$ mvnlog=$CACHE_ROOT/kafka-$KAFKA_VERSION/mvn.log
  mkdir -p "$(dirname "$LIBS")"
  rm -rf "$tmp"
  log "resolving Apache Kafka $KAFKA_VERSION from Maven Central into $LIBS"
  if ! mvn -B -q -f "$POM" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$tmp" >"$mvnlog" 2>&1; then
    tail -n 40 "$mvnlog" >&2
    rm -rf "$tmp"
    die "maven could not resolve the jars (log: $mvnlog)"
  fi
  [ -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ] || die "kafka_2.13-$KAFKA_VERSION.jar missing after resolution"
  echo "$want" >"$tmp/.complete"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
}

# The access table's grants, one a line without comments: principal status resource pattern
# name operations (the tenants and purpose columns are the documentation's).
access_rows() {
  [ -f "$ACCESS_TABLE" ] || die "the access table $ACCESS_TABLE is missing"
  local principal status resource pattern name operations rest
  while read -r principal status resource pattern name operations rest; do
    case $principal in "" | "#"*) continue ;; esac
    echo "$principal $status $resource $pattern $name $operations"
  done <"$ACCESS_TABLE"
}

# The principals that get a SCRAM user: every one granted something now.
principals() { access_rows | awk '$2 == "granted" || $2 == "super" { print $1 }' | sort -u; }

password_file() {
  [[ $1 =~ ^[a-z][a-z0-9-]*$ ]] || die "principal names are lowercase letters, digits and '-': $1"
  echo "$SECRETS/$1.password"
}
password() {
  local file
  file=$(password_file "$1")
  [ -f "$file" ] || die "no password for $1 in $SECRETS (a principal of $ACCESS_TABLE? run kafka.sh start)"
  cat "$file"
}

# The secrets of this state directory: a password per principal (drawn once, 128 bits in hex,
# so it needs no quoting in JAAS or the SCRAM tool's syntax), the broker's PEM keystore
# (its key and certificate from tls.sh, renewed with it) and admin's client settings for the CLI.
ensure_secrets() {
  mkdir -p "$SECRETS"
  chmod 700 "$SECRETS"
  local name file
  for name in $(principals); do
    file=$(password_file "$name")
    [ -s "$file" ] && continue
    (umask 077 && openssl rand -hex 16 | tr -d "\n" >"$file.tmp") && mv "$file.tmp" "$file"
  done
  TLS_DIR=$(bash "$INFRA_LOCAL/tls.sh" issue kafka)
  (umask 077 && cat "$TLS_DIR/kafka.key" "$TLS_DIR/kafka.crt" >"$SECRETS/kafka.pem")
  if plaintext; then
    echo "security.protocol=PLAINTEXT" >"$SECRETS/admin.properties"
    return 0
  fi
  (umask 077 && cat >"$SECRETS/admin.properties") <<PROPS
# Written by infra/local/kafka.sh: the admin super user's client settings for Kafka's CLI tools
# (--command-config, or --consumer.config / --producer-config).
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(password admin)";
ssl.truststore.type=PEM
ssl.truststore.location=$TLS_DIR/ca.crt
PROPS
}

# The listeners and their security: SASL_SSL (the default), or plaintext for a private
# benchmark broker (THOTH_KAFKA_SECURITY=plaintext).
security_properties() {
  if plaintext; then
    cat <<PROPS
# THOTH_KAFKA_SECURITY=plaintext: a private benchmark broker, without TLS, SASL or ACLs.
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$DATA
PROPS
    return 0
  fi
  cat <<PROPS
listeners=SASL_SSL://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=SASL_SSL://$HOST:$PORT
# The controller listener stays PLAINTEXT on loopback: SCRAM credentials live in the metadata
# log the controller serves, so SCRAM cannot authenticate the controller's own listener. Its
# connections (this node's broker to its controller) are ANONYMOUS, hence a super user; anyone
# who can reach $HOST:$CONTROLLER_PORT can therefore administer the cluster. A multi-host
# deployment puts the controllers on SSL with client certificates instead (docs/security.md).
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT
inter.broker.listener.name=SASL_SSL
controller.listener.names=CONTROLLER
log.dirs=$DATA

# TLS: the development CA's certificate for 127.0.0.1 (infra/local/tls.sh); clients prove who
# they are with SCRAM, not certificates.
ssl.keystore.type=PEM
ssl.keystore.location=$SECRETS/kafka.pem
ssl.truststore.type=PEM
ssl.truststore.location=$TLS_DIR/ca.crt
ssl.client.auth=none
ssl.endpoint.identification.algorithm=https
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(password admin)";

# Nothing is allowed that infra/kafka/access.txt does not grant.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:ANONYMOUS
PROPS
}

# Written at every start, so THOTH_KAFKA_PORT and these settings always apply.
write_configs() {
  mkdir -p "$DATA" "$LOGS"
  ensure_secrets
  (umask 077 && cat >"$STATE/server.properties") <<PROPS
# Written by infra/local/kafka.sh at every start; edit the script, not this file. Holds admin's
# password (mode 0600).
# One KRaft node that is both broker and controller, with a static one-voter quorum.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
$(security_properties)

# A single node: every replication factor and ISR is 1.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
default.replication.factor=1
min.insync.replicas=1
# The first consumer group creates __consumer_offsets; 50 partitions (the default) cost
# seconds on a two-core CI machine for nothing.
offsets.topic.num.partitions=10
num.partitions=3
# Tests create their topics explicitly, as production does.
auto.create.topics.enable=false
# Consumers in tests join a group and expect their assignment at once.
group.initial.rebalance.delay.ms=0
PROPS

  # The broker logs to files, never to stdout: server.log, plus the state-change and
  # controller logs a Kafka operator looks for first. Sizes are capped.
  cat >"$STATE/log4j.properties" <<'PROPS'
# Written by infra/local/kafka.sh at every start.
log4j.rootLogger=INFO, server
log4j.appender.server=org.apache.log4j.RollingFileAppender
log4j.appender.server.File=${kafka.logs.dir}/server.log
log4j.appender.server.MaxFileSize=20MB
log4j.appender.server.MaxBackupIndex=3
log4j.appender.server.layout=org.apache.log4j.PatternLayout
log4j.appender.server.layout.ConversionPattern=[%d] %p %m (%c)%n

log4j.appender.stateChange=org.apache.log4j.RollingFileAppender
log4j.appender.stateChange.File=${kafka.logs.dir}/state-change.log
log4j.appender.stateChange.MaxFileSize=10MB
log4j.appender.stateChange.MaxBackupIndex=2
log4j.appender.stateChange.layout=org.apache.log4j.PatternLayout
log4j.appender.stateChange.layout.ConversionPattern=[%d] %p %m (%c)%n

log4j.appender.controller=org.apache.log4j.RollingFileAppender
log4j.appender.controller.File=${kafka.logs.dir}/controller.log
log4j.appender.controller.MaxFileSize=10MB
log4j.appender.controller.MaxBackupIndex=2
log4j.appender.controller.layout=org.apache.log4j.PatternLayout
log4j.appender.controller.layout.ConversionPattern=[%d] %p %m (%c)%n

# As in the distribution's config/log4j.properties.
log4j.logger.org.apache.kafka=INFO
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel$=WARN
log4j.logger.kafka.controller=TRACE, controller
log4j.additivity.kafka.controller=false
log4j.logger.org.apache.kafka.controller=INFO, controller
log4j.additivity.org.apache.kafka.controller=false
log4j.logger.state.change.logger=INFO, stateChange
log4j.additivity.state.change.logger=false
PROPS

  # The CLI tools only warn, on stderr (the distribution's tools-log4j.properties).
  cat >"$STATE/tools-log4j.properties" <<'PROPS'
# Written by infra/local/kafka.sh.
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.appender.stderr.Target=System.err
PROPS
}

# A Kafka main class on the cached jars, as bin/kafka-run-class.sh would run a tool.
# Tools are short-lived: a small heap and the quick-starting JIT tier.
TOOL_FLAGS=(-Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
  "-Dlog4j.configuration=file:$STATE/tools-log4j.properties" -cp "$LIBS/*")
run_class() {
  [ -f "$STATE/tools-log4j.properties" ] || write_configs
  "$JAVA" "${TOOL_FLAGS[@]}" "$@"
}

# The broker's pid, only when that process is our broker: a pid file can outlive its
# process, and the number can be reused by another.
broker_pid() {
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "kafka.Kafka $STATE/server.properties" || return 1
  echo "$pid"
}

# Storage is formatted once: the cluster id and the metadata log live in $DATA, and with them
# the SCRAM users (added at format time, before anything can authenticate). Data formatted for
# another security layout (before this broker had SASL, or without a principal the access
# table now names) is formatted again: a development broker's topics are the tests'.
layout_wanted() { echo "$SECURITY_LAYOUT; users $(principals | paste -sd ' ')"; }
layout_current() { [ "$(cat "$STATE/security-layout" 2>/dev/null)" = "$(layout_wanted)" ]; }

format_storage() {
  local want
  want=$(layout_wanted)
  if [ -f "$DATA/meta.properties" ]; then
    layout_current && return 0
    log "the data in $DATA was formatted for another security layout (${SECURITY_LAYOUT%% *} now, users $(principals | paste -sd ' ')); formatting it again: its topics and offsets are dropped"
    rm -rf "$DATA" "$STATE/access-applied"
    mkdir -p "$DATA"
  fi
  # A cluster id is 16 random bytes in URL-safe base64 without padding (a Kafka Uuid). One that
  # starts with '-' (1 in 64) is taken by the tool's argument parser for an option: drawn again.
  local cluster_id=-
  while [ "${cluster_id#-}" != "$cluster_id" ]; do
    cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
  done
  local scram=() name
  plaintext || for name in $(principals); do
    scram+=(--add-scram "SCRAM-SHA-512=[name=$name,password=$(password "$name")]")
  done
  if ! run_class kafka.tools.StorageTool format --config "$STATE/server.properties" \
      --cluster-id "$cluster_id" --ignore-formatted "${scram[@]}" >"$LOGS/format.log" 2>&1; then
    cat "$LOGS/format.log" >&2
    die "formatting storage in $DATA failed"
  fi
  echo "$want" >"$STATE/security-layout"
}

# The access table's ACLs, added once per version of the table (a stamp holds its hash): one
# AclCommand a grant, four at a time. ACLs are only added; a grant removed from the table stays
# until the data is formatted again (rm -rf the state directory).
apply_access() {
  plaintext && return 0
  local want
  want=$(sha256sum "$ACCESS_TABLE" | cut -c1-64)
  [ "$(cat "$STATE/access-applied" 2>/dev/null)" = "$want" ] && return 0
  local principal status resource pattern name operations args op running=0 failed=0
  while read -r principal status resource pattern name operations; do
    [ "$status" = granted ] || continue
    args=(--bootstrap-server "$HOST:$PORT" --command-config "$SECRETS/admin.properties" --add --force
      --allow-principal "User:$principal" --resource-pattern-type "$pattern")
    for op in ${operations//,/ }; do args+=(--operation "$op"); done
    case $resource in
      topic) args+=(--topic "$name") ;;
      group) args+=(--group "$name") ;;
      cluster) args+=(--cluster) ;;
      *) die "$ACCESS_TABLE: a granted row of $principal has resource '$resource' (topic, group or cluster)" ;;
    esac
    run_class kafka.admin.AclCommand "${args[@]}" >>"$LOGS/acls.log" 2>&1 &
    running=$((running + 1))
    if [ $running -ge 4 ]; then wait -n || failed=1; running=$((running - 1)); fi
  done < <(access_rows)
  while [ $running -gt 0 ]; do wait -n || failed=1; running=$((running - 1)); done
  [ $failed -eq 0 ] || { tail -n 40 "$LOGS/acls.log" >&2; die "applying $ACCESS_TABLE failed (log: $LOGS/acls.log)"; }
  echo "$want" >"$STATE/access-applied"
  log "applied the grants of $ACCESS_TABLE"
}

print_started_log_tail() {
  tail -n 20 "$LOGS/kafkaServer.out" >&2 2>/dev/null || true
  tail -n 40 "$LOGS/server.log" >&2 2>/dev/null || true
}

# Ready means the port accepts connections and the broker answers an ApiVersions request
# with itself registered in the cluster metadata, which it has once it is unfenced.
wait_ready() {
  local pid=$1 deadline=$((SECONDS + START_TIMEOUT))
  while ! port_open "$HOST" "$PORT"; do
    kill -0 "$pid" 2>/dev/null || { print_started_log_tail; die "the broker exited during startup (logs: $LOGS)"; }
    [ $SECONDS -lt $deadline ] || { print_started_log_tail; die "port $PORT not open after ${START_TIMEOUT}s (logs: $LOGS)"; }
    sleep 0.2
  done
  while :; do
    # Into a file, not a pipe: grep -q closing the pipe early would fail the check.
    timeout 30 "$JAVA" "${TOOL_FLAGS[@]}" kafka.admin.BrokerApiVersionsCommand \
      --bootstrap-server "$HOST:$PORT" --command-config "$SECRETS/admin.properties" >"$LOGS/ready-check.log" 2>&1 || true
    if grep -q "^$HOST:$PORT (id: 1 " "$LOGS/ready-check.log"; then
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { print_started_log_tail; die "the broker exited during startup (logs: $LOGS)"; }
    [ $SECONDS -lt $deadline ] || { print_started_log_tail; die "the broker did not answer after ${START_TIMEOUT}s (logs: $LOGS)"; }
    sleep 1
  done
}

cmd_start() {
  lock_state "$STATE"
  if broker_pid >/dev/null && ! layout_current; then
    log "the running broker was started for another security layout (PLAINTEXT, or other SCRAM users); stopping it to format its data again"
    stop_broker
  fi
  if pid=$(broker_pid) && port_open "$HOST" "$PORT"; then
    apply_access
    echo "kafka $KAFKA_VERSION at $HOST:$PORT"
    return 0
  fi
  if pid=$(broker_pid); then
    # Running but not listening yet: another start launched it; wait with it.
    wait_ready "$pid"
    apply_access
    echo "kafka $KAFKA_VERSION at $HOST:$PORT"
    return 0
  fi
  ensure_tools
  ensure_libs
  if port_open "$HOST" "$PORT"; then die "port $PORT is taken by another process (set THOTH_KAFKA_PORT)"; fi
  write_configs
  format_storage
  # The flags bin/kafka-run-class.sh and kafka-server-start.sh give the broker. setsid
  # detaches it from the caller's session, so it outlives the shell that started it.
  (
    cd "$STATE"
    # shellcheck disable=SC2086 # HEAP_OPTS holds several flags
    exec setsid "$JAVA" $HEAP_OPTS -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
      -XX:MaxInlineLevel=15 -Djava.awt.headless=true \
      "-Xlog:gc*:file=$LOGS/kafkaServer-gc.log:time,tags:filecount=3,filesize=10M" \
      "-Dlog4j.configuration=file:$STATE/log4j.properties" "-Dkafka.logs.dir=$LOGS" \
      -cp "$LIBS/*" kafka.Kafka "$STATE/server.properties"
  ) </dev/null >"$LOGS/kafkaServer.out" 2>&1 9>&- &
  local pid=$!
  echo "$pid" >"$PIDFILE"
  wait_ready "$pid"
  apply_access
  echo "kafka $KAFKA_VERSION at $HOST:$PORT"
}

cmd_stop() {
  [ -d "$STATE" ] && lock_state "$STATE"
  stop_broker
  echo "kafka stopped"
}

stop_broker() {
  local pid
  if pid=$(broker_pid); then
    # SIGTERM runs the broker's shutdown hook: it flushes and closes its logs, so the
    # next start needs no recovery. SIGKILL only when that hangs.
    kill -TERM "$pid"
    local deadline=$((SECONDS + STOP_TIMEOUT))
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      log "no clean shutdown after ${STOP_TIMEOUT}s; killing pid $pid"
      kill -KILL "$pid"
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
  fi
  rm -f "$PIDFILE"
}

cmd_status() {
  local pid
  if pid=$(broker_pid) && port_open "$HOST" "$PORT"; then
    echo "kafka $KAFKA_VERSION running at $HOST:$PORT (pid $pid, KRaft, data $DATA)"
  elif pid=$(broker_pid); then
    echo "kafka $KAFKA_VERSION starting (pid $pid, port $PORT not open yet)"
    exit 3
  else
    echo "kafka $KAFKA_VERSION stopped"
    exit 3
  fi
}

# What a client of this broker needs, as environment lines: the apps' KAFKA_* names, or with
# --test the THOTH_TEST_KAFKA_* names the test setup reads.
cmd_env() {
  local prefix=KAFKA_ principal=admin
  [ "${1:-}" = --test ] && { prefix=THOTH_TEST_KAFKA_; shift; }
  [ $# -le 1 ] || die "usage: kafka.sh env [--test] [PRINCIPAL]"
  principal=${1:-admin}
  if plaintext; then
    echo "${prefix}BROKERS=$HOST:$PORT"
    return 0
  fi
  [ -f "$(password_file "$principal")" ] || die "no password for $principal in $SECRETS (principals: $(principals | paste -sd ' '); run kafka.sh start first)"
  echo "${prefix}BROKERS=$HOST:$PORT"
  echo "${prefix}SASL_MECHANISM=scram-sha-512"
  echo "${prefix}SASL_USERNAME=$principal"
  echo "${prefix}SASL_PASSWORD_FILE=$(password_file "$principal")"
  echo "${prefix}TLS_CA_FILE=${THOTH_TLS_DIR:-$STATE_ROOT/tls}/ca.crt"
}

case "${1:-}" in
  start) cmd_start ;;
  env) shift; cmd_env "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  brokers) echo "$HOST:$PORT" ;;
  run-class)
    shift
    [ $# -gt 0 ] || die "usage: kafka.sh run-class CLASS [ARGS...]"
    ensure_tools
    ensure_libs
    run_class "$@"
    ;;
  *) die "usage: kafka.sh start|stop|status|brokers|env [--test] [PRINCIPAL]|run-class CLASS [ARGS...]" ;;
esac
