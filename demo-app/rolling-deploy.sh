#!/usr/bin/env bash
#
# A rolling deploy of the Handoff demo on this machine, checked for loss.
#
# Starts one Redis and version 1 of the demo, drives traffic, starts version 2 beside it and sends version 1
# SIGTERM while requests are still in flight. Then it checks that version 2 holds exactly the state version 1 had,
# down to each client's counts, and prints a timeline and, in surge mode, how long the first handoff a new instance
# received took from write to merge. Exits 0 only if nothing was lost or counted twice.
#
# Needs a JDK 17+ (JAVA_HOME or java on the PATH), bash and curl. Redis comes from the PATH or from the demo jar.
#
#   demo-app/rolling-deploy.sh                     one old instance, one new, surge (new one up before old one stops)
#   demo-app/rolling-deploy.sh --mode recreate     the old instance stops before the new one starts
#   demo-app/rolling-deploy.sh --instances 3       three old, three new, replaced one at a time as Kubernetes would
#   demo-app/rolling-deploy.sh --no-build          use the jar already built
#   demo-app/rolling-deploy.sh --hold              keep the new instances running to look at their page, until Ctrl-C
#
# Environment: JAVA_HOME; DEMO_JAVA_OPTS (default: quick startup flags); DEMO_CLASSPATH runs the demo from that
# class path instead of the jar.

set -euo pipefail

usage() {
	sed -n '3,19p' "$0" | sed 's/^# \{0,1\}//'
}

MODE=surge
INSTANCES=1
BUILD=1
HOLD=0
while [ $# -gt 0 ]; do
	case "$1" in
		--mode) MODE="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
		--mode=*) MODE="${1#*=}"; shift ;;
		--instances) INSTANCES="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
		--instances=*) INSTANCES="${1#*=}"; shift ;;
		--no-build) BUILD=0; shift ;;
		--hold) HOLD=1; shift ;;
		-h|--help) usage; exit 0 ;;
		*) echo "Unknown option: $1" >&2; usage >&2; exit 2 ;;
	esac
done
case "$MODE" in surge|recreate) ;; *) echo "--mode must be surge or recreate, not '$MODE'" >&2; exit 2 ;; esac
case "$INSTANCES" in [1-9]) ;; *) echo "--instances must be 1 to 9, not '$INSTANCES'" >&2; exit 2 ;; esac

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# Tiered compilation stops early: these JVMs live for seconds, so startup matters more than peak speed.
read -r -a JAVA_OPTS <<< "${DEMO_JAVA_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx256m}"
CLIENTS=(alice bob carol dave)
# Slow requests come from clients of their own, which stay under the limit: a refused request does no work.
SLOW_CLIENTS=(erin frank)
# Long enough that no grant leaves the rate limiter's window while the script compares counts.
WINDOW=10m
WORK_MS=1500

die() {
	echo "rolling-deploy: $*" >&2
	exit 3
}

command -v curl > /dev/null || die "curl is needed"
command -v "$JAVA" > /dev/null || die "no java: set JAVA_HOME or put a JDK 17+ on the PATH"

if [ -n "${DEMO_CLASSPATH:-}" ]; then
	APP=("$JAVA" "${JAVA_OPTS[@]}" -cp "$DEMO_CLASSPATH" dev.handoff.demo.DemoApplication)
else
	JAR="$HERE/target/demo-app-0.1.0-SNAPSHOT.jar"
	if [ "$BUILD" = 1 ]; then
		echo "Building the demo: ./mvnw -q -pl demo-app -am package -DskipTests"
		(cd "$ROOT" && ./mvnw -B -q -pl demo-app -am package -DskipTests) || die "the build failed"
	fi
	[ -f "$JAR" ] || die "$JAR is missing; run without --no-build"
	APP=("$JAVA" "${JAVA_OPTS[@]}" -jar "$JAR")
fi

mkdir -p "$HERE/target/rolling-deploy"
# Keeps the logs of the last few runs.
# (|| true: on a first run there is nothing to list, and pipefail would end the script.)
{ ls -dt "$HERE"/target/rolling-deploy/run-* 2> /dev/null || true; } | tail -n +5 | while read -r old; do rm -rf "$old"; done
RUN="$(mktemp -d "$HERE/target/rolling-deploy/run-XXXXXX")"
REQUESTS="$RUN/requests.txt"
: > "$REQUESTS"

# --- processes and cleanup --------------------------------------------------------------------------------------

APP_PIDS=""
REDIS_PID=""

# Sends SIGTERM to the processes, waits up to 15 s for them, then SIGKILLs what is left.
terminate() {
	local pid alive waited=0
	for pid in "$@"; do
		kill -TERM "$pid" 2> /dev/null || true
	done
	while [ $waited -lt 150 ]; do
		alive=0
		for pid in "$@"; do
			if kill -0 "$pid" 2> /dev/null; then alive=1; fi
		done
		[ $alive = 0 ] && return 0
		sleep 0.1
		waited=$((waited + 1))
	done
	for pid in "$@"; do
		kill -KILL "$pid" 2> /dev/null || true
	done
}

cleanup() {
	local status=$?
	trap - EXIT INT TERM
	# The instances first: they hand their state off to Redis as they stop.
	# shellcheck disable=SC2086
	terminate $APP_PIDS
	[ -z "$REDIS_PID" ] || terminate "$REDIS_PID"
	wait 2> /dev/null || true
	[ $status = 0 ] || echo "Logs: $RUN" >&2
	exit $status
}
trap cleanup EXIT
trap 'echo; echo "Interrupted; stopping everything."; exit 130' INT
trap 'exit 143' TERM

# --- timeline ---------------------------------------------------------------------------------------------------

now_ms() {
	if [ -n "${EPOCHREALTIME:-}" ]; then
		local t="${EPOCHREALTIME/[.,]/}"
		echo "${t%???}"
	else
		local t
		t="$(date +%s%3N)"
		case "$t" in *N) echo "$(($(date +%s) * 1000))" ;; *) echo "$t" ;; esac
	fi
}

START_MS="$(now_ms)"

say() {
	local elapsed=$(($(now_ms) - START_MS))
	printf '%4d.%ds  %s\n' $((elapsed / 1000)) $(((elapsed % 1000) / 100)) "$*"
}

# Runs "$@" until it succeeds, up to $1 tenths of a second; returns non-zero on timeout.
await() {
	local tenths=$1
	shift
	local i=0
	until "$@"; do
		[ $i -lt "$tenths" ] || return 1
		sleep 0.1
		i=$((i + 1))
	done
}

# --- Redis ------------------------------------------------------------------------------------------------------

REDIS_BIN="$("${APP[@]}" redis-server-path "$HERE/target/rolling-deploy/bin")" || die "could not find or extract redis-server"

redis_ready() {
	grep -q "Ready to accept connections" "$RUN/redis.log" 2> /dev/null
}

redis_exited() {
	! kill -0 "$REDIS_PID" 2> /dev/null
}

redis_ready_or_exited() {
	redis_ready || redis_exited
}

start_redis() {
	local attempt
	for attempt in 1 2 3 4 5; do
		REDIS_PORT=$((20000 + (RANDOM * 32768 + RANDOM) % 30000))
		"$REDIS_BIN" --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$RUN" \
			> "$RUN/redis.log" 2>&1 &
		REDIS_PID=$!
		await 100 redis_ready_or_exited || true
		if redis_ready && ! redis_exited; then
			return 0
		fi
		kill -KILL "$REDIS_PID" 2> /dev/null || true
	done
	die "redis-server did not start: $(tail -5 "$RUN/redis.log")"
}

# --- instances ----------------------------------------------------------------------------------------------------

pid_of() { cat "$RUN/$1.pid"; }
port_of() { cat "$RUN/$1.port"; }

start_instance() {
	local name=$1 version=$2
	PORTFILE="$RUN/$name.port" SPRING_DATA_REDIS_HOST=127.0.0.1 SPRING_DATA_REDIS_PORT="$REDIS_PORT" \
		"${APP[@]}" --server.port=0 --handoff.instance-id="$name" --demo.version="$version" \
		--demo.rate-limit.window="$WINDOW" > "$RUN/$name.log" 2>&1 &
	local pid=$!
	echo "$pid" > "$RUN/$name.pid"
	APP_PIDS="$APP_PIDS $pid"
}

is_ready() {
	local name=$1
	[ -s "$RUN/$name.port" ] &&
		curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$(port_of "$name")/actuator/health/readiness"
}

has_exited() {
	! kill -0 "$(pid_of "$1")" 2> /dev/null
}

ready_or_exited() {
	is_ready "$1" || has_exited "$1"
}

await_ready() {
	local name=$1
	await 900 ready_or_exited "$name" || true
	if ! is_ready "$name"; then
		tail -30 "$RUN/$name.log" >&2
		die "$name did not become ready"
	fi
}

state_of() {
	curl -fs --max-time 5 "http://127.0.0.1:$(port_of "$1")/api/state.txt"
}

# Lines "<label> <origin> <latency ms> <record id>" of the handoffs the instance received.
received_by() {
	state_of "$1" | sed -n 's/^handoff //p'
}

# Record ids the instance logged as handed off.
handed_off_by() {
	sed -n "s/.*Handed off the state of label '[^']*' as record \([^ ]*\) in.*/\1/p" "$RUN/$1.log"
}

describe_start() {
	local name=$1 received
	received="$(received_by "$name" | wc -l | tr -d ' ')"
	if [ "$received" = 0 ]; then
		say "$name ready on :$(port_of "$name") (pid $(pid_of "$name")), started empty"
	else
		say "$name ready on :$(port_of "$name") (pid $(pid_of "$name")), restored $received record(s) before ready"
	fi
}

# --- traffic ------------------------------------------------------------------------------------------------------

IN_SERVICE=""

# Sends one request and notes "<instance> <client> <http status> [tag]"; 000 means it never reached the instance.
send() {
	local name=$1 client=$2 work=$3 tag=${4:-} code
	code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 -X POST \
		"http://127.0.0.1:$(port_of "$name")/api/clients/$client/requests?work=$work" || true)"
	echo "$name $client ${code:-000} $tag" >> "$REQUESTS"
}

# Sends $1 requests per client (the first client $2 times as many), spread over the instances in service, one
# sender per client in parallel.
burst() {
	local count=$1 heavy=$2 targets client jobs="" before after
	read -r -a targets <<< "$IN_SERVICE"
	before="$(wc -l < "$REQUESTS")"
	for client in "${CLIENTS[@]}"; do
		(
			n=$count
			[ "$client" = alice ] && n=$((count * heavy))
			i=0
			while [ $i -lt $n ]; do
				send "${targets[$((i % ${#targets[@]}))]}" "$client" 0
				i=$((i + 1))
			done
		) &
		jobs="$jobs $!"
	done
	# shellcheck disable=SC2086
	wait $jobs
	after="$(wc -l < "$REQUESTS")"
	local summary
	summary="$(tail -n $((after - before)) "$REQUESTS" | awk '
		$3 == 200 { ok++ } $3 == 429 { limited++ } $3 != 200 && $3 != 429 { other++ }
		END { printf "%d allowed, %d refused by the rate limiter", ok, limited; if (other) printf ", %d failed", other }')"
	say "traffic: $((after - before)) requests from 4 clients to ${IN_SERVICE# }: $summary"
}

inflight_at_least() {
	local n
	n="$(state_of "$1" | sed -n 's/^inflight //p')"
	[ "${n:-0}" -ge "$2" ]
}

# Starts slow requests on the instance and waits until it is serving them: they finish while it drains.
slow_requests() {
	local name=$1 count=$2 i=0
	while [ $i -lt "$count" ]; do
		send "$name" "${SLOW_CLIENTS[$((i % ${#SLOW_CLIENTS[@]}))]}" "$WORK_MS" &
		i=$((i + 1))
	done
	await 100 inflight_at_least "$name" "$count" || die "$name did not take $count slow requests"
	say "$count slow requests (${WORK_MS} ms each) in flight on $name"
}

remove_from_service() {
	IN_SERVICE="$(echo " $IN_SERVICE " | sed "s/ $1 / /; s/^ *//; s/ *$//")"
}

stop_instance() {
	local name=$1
	remove_from_service "$name"
	kill -TERM "$(pid_of "$name")"
	now_ms > "$RUN/$name.stopped"
	say "SIGTERM $name"
	# Requests that arrive after SIGTERM are refused at the door (a load balancer retries them elsewhere) or, if the
	# server still took them, served and counted: never lost.
	local i=0
	while [ $i -lt 3 ]; do
		send "$name" carol 0 late
		i=$((i + 1))
	done
}

await_exit() {
	local name=$1 records took late
	await 600 has_exited "$name" || die "$name did not exit within 60 s"
	wait "$(pid_of "$name")" 2> /dev/null || true
	took=$(($(now_ms) - $(cat "$RUN/$name.stopped")))
	records="$(handed_off_by "$name" | wc -l | tr -d ' ')"
	late="$(awk -v n="$name" '$1 == n && $4 == "late" { if ($3 == "000") no++; else yes++ }
		END { printf "%d served and counted, %d refused at the door", yes, no }' "$REQUESTS")"
	say "$name exited $((took / 1000)).$(((took % 1000) / 100)) s after SIGTERM, after its slow requests;" \
		"it handed off $records record(s)"
	say "  of 3 requests sent to $name after SIGTERM: $late"
	[ "$records" -gt 0 ] || { tail -30 "$RUN/$name.log" >&2; die "$name handed nothing off"; }
}

# Waits until every record the instance handed off was received by an instance still running, and reports who
# took it and how long it took.
await_taken() {
	local name=$1 id line
	for id in $(handed_off_by "$name"); do
		await 450 taken "$id" || die "record $id of $name was not received within 45 s"
		line="$(cat "$RUN/taken")"
		say "${line%% *} received ${line#* }"
		echo "$line" >> "$RUN/latencies"
	done
}

taken() {
	local id=$1 candidate label origin latency rid
	for candidate in $IN_SERVICE $(running_old); do
		while read -r label origin latency rid; do
			if [ "$rid" = "$id" ]; then
				echo "$candidate $label from $origin: handoff latency $latency ms" > "$RUN/taken"
				return 0
			fi
		done < <(received_by "$candidate" 2> /dev/null || true)
	done
	return 1
}

OLD=""
NEW=""

running_old() {
	local name
	for name in $OLD; do
		[ -f "$RUN/$name.stopped" ] || echo "$name"
	done
}

# --- the deploy ---------------------------------------------------------------------------------------------------

echo "Rolling deploy: mode $MODE, $INSTANCES old and $INSTANCES new instance(s); logs in ${RUN#"$ROOT/"}"
start_redis
say "redis-server on 127.0.0.1:$REDIS_PORT (pid $REDIS_PID, ${REDIS_BIN#"$ROOT/"})"

i=1
while [ $i -le "$INSTANCES" ]; do
	OLD="$OLD v1-$i"
	NEW="$NEW v2-$i"
	start_instance "v1-$i" v1
	i=$((i + 1))
done
for name in $OLD; do
	await_ready "$name"
	describe_start "$name"
	IN_SERVICE="$IN_SERVICE $name"
done
burst 8 3

if [ "$MODE" = surge ]; then
	i=1
	while [ $i -le "$INSTANCES" ]; do
		start_instance "v2-$i" v2
		await_ready "v2-$i"
		describe_start "v2-$i"
		IN_SERVICE="$IN_SERVICE v2-$i"
		burst 2 2
		slow_requests "v1-$i" 4
		stop_instance "v1-$i"
		await_exit "v1-$i"
		await_taken "v1-$i"
		i=$((i + 1))
	done
else
	for name in $OLD; do
		slow_requests "$name" 4
		stop_instance "$name"
		await_exit "$name"
		# While other old instances run, one of them takes the state and passes it on when it stops itself; the
		# last one's state waits in Redis for the new instances.
		[ -z "$(running_old)" ] || await_taken "$name"
	done
	for name in $NEW; do
		start_instance "$name" v2
	done
	for name in $NEW; do
		await_ready "$name"
		describe_start "$name"
		IN_SERVICE="$IN_SERVICE $name"
	done
	await_taken "${OLD##* }"
fi

# --- the check ----------------------------------------------------------------------------------------------------

# Expected: what the clients were told. Every 200 and 429 is a request the instance counted (and, if allowed, a
# grant in the rate limiter's window); 000 never reached it. One line per instance that served and client:
# "<instance> <client> <allowed> <refused> <in window>".
awk '$3 == 200 || $3 == 429 { key = $1 " " $2; if ($3 == 200) ok[key]++; else no[key]++; seen[key] = 1 }
	END { for (k in seen) print k, ok[k] + 0, no[k] + 0, ok[k] + 0 }' "$REQUESTS" | sort > "$RUN/expected"

# Actual: what the new instances hold together, from the same lines summed over instances, so a record merged
# twice by two instances shows up as a surplus.
for name in $NEW; do
	state_of "$name"
done | awk '$1 == "counter" { key = $2 " " $3; ok[key] += $4; no[key] += $5; seen[key] = 1 }
	$1 == "window" { key = $2 " " $3; win[key] += $4; seen[key] = 1 }
	END { for (k in seen) print k, ok[k] + 0, no[k] + 0, win[k] + 0 }' | sort > "$RUN/actual"

answered="$(awk '{ n += $3 + $4 } END { print n + 0 }' "$RUN/expected")"
# Requests missing from the new instances, and requests they count more than once.
lost="$(awk 'NR == FNR { want[$1 " " $2] = $3 + $4; next } { have[$1 " " $2] = $3 + $4 }
	END { for (k in want) if (want[k] > have[k]) n += want[k] - have[k]; print n + 0 }' "$RUN/expected" "$RUN/actual")"
surplus="$(awk 'NR == FNR { want[$1 " " $2] = $3 + $4; next } { have[$1 " " $2] = $3 + $4 }
	END { for (k in have) if (have[k] > want[k]) n += have[k] - want[k]; print n + 0 }' "$RUN/expected" "$RUN/actual")"
records="$(wc -l < "$RUN/latencies" | tr -d ' ')"
latencies="$(awk '{ for (i = 1; i <= NF; i++) if ($i == "latency") print $(i + 1) }' "$RUN/latencies" | sort -n)"

if diff "$RUN/expected" "$RUN/actual" > "$RUN/diff"; then
	say "check: the new instances count each of the $answered answered requests exactly once, including those" \
		"served while draining"
	echo
	echo "  served by  client  allowed  refused  in window"
	awk '{ printf "  %-9s  %-6s  %7d  %7d  %9d\n", $1, $2, $3, $4, $5 }' "$RUN/actual"
	echo
	echo "records: $records, handoff latency: $(echo "$latencies" | head -1)-$(echo "$latencies" | tail -1) ms," \
		"lost: 0"
	if [ "$MODE" = surge ]; then
		# Each label's first record on a new instance: a fresh JVM, which has never run that participant's
		# receive path before. The slowest of them is the first handoff.
		awk '$1 ~ /^v2-/ && !seen[$1 " " $2]++ { for (i = 1; i <= NF; i++) if ($i == "latency") print $(i + 1), $1, $2 }' \
			"$RUN/latencies" | sort -n > "$RUN/first"
		if [ -s "$RUN/first" ]; then
			echo "first handoff: $(tail -1 "$RUN/first" | cut -d' ' -f1) ms from write to merge, the slowest of each" \
				"label's first record on a new instance ($(awk '{ printf "%s%s %s %s ms", (NR > 1 ? ", " : ""), $2, $3,
					$1 }' "$RUN/first"))"
		fi
	fi
	status=0
else
	echo "  expected (<) versus held by the new instances (>):"
	sed 's/^/  /' "$RUN/diff"
	echo "records: $records, lost: $lost, counted twice: $surplus, MISMATCH"
	status=1
fi

if [ "$INSTANCES" = 1 ] && [ $status = 0 ]; then
	code="$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$(port_of v2-1)/api/clients/alice/requests")"
	if [ "$code" = 429 ]; then
		say "alice on v2-1: 429, still rate-limited by the grants v1-1 handed over (a fresh instance would say 200)"
	else
		say "alice on v2-1: $code, expected 429: her grants did not come over"
		status=1
	fi
fi

if [ "$HOLD" = 1 ] && [ $status = 0 ]; then
	for name in $NEW; do
		echo "Page of $name: http://127.0.0.1:$(port_of "$name")/"
	done
	echo "Holding; Ctrl-C stops everything."
	while :; do sleep 1; done
fi
exit $status
