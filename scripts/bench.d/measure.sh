# shellcheck shell=bash
# The benchmark's measurements: one load against one target, with what the target (and its
# database) spent meanwhile. Sourced by scripts/bench once its servers run; reads its globals
# (work_dir, base_url, api_key, server_pid, LOAD_CPUS, BENCH_*, sqlite_path, redis_prefix...) and
# its helpers (pinned, is_inferport, server_of, uses_redis).

# Runs wrk against target $1 with $2 connections for $3 seconds, report to $4.
run_wrk() {
  pinned "$LOAD_CPUS" wrk -t1 -c"$2" -d"$3s" --latency -s "$work_dir/chat-$1.lua" \
    --timeout 10s "${base_url[$1]}/v1/chat/completions" >"$4" 2>&1 </dev/null ||
    { log "wrk failed against $1:"; sed 's/^/    /' "$4" >&2; return 1; }
}

# One line of progress from a wrk report.
wrk_summary() {
  awk '/Requests\/sec/ { rps = $2 } $1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 }
    /Non-2xx/ { bad = " non-2xx " $NF } END { printf "%s req/s, p50 %s, p99 %s%s", rps, p50, p99, bad }' "$1"
}

# Runs one SQL query in the Postgres benchmark database and prints its result.
postgres_sql() {
  PGOPTIONS='-c client_min_messages=warning' _svc_psql -X -w -q -v ON_ERROR_STOP=1 -h 127.0.0.1 \
    -p "$INFERPORT_TEST_PG_PORT" -U postgres -d "$BENCH_DB" -tAc "$1" </dev/null
}

# Runs one read-only query in database $1 (postgres or sqlite) and prints its result. The SQLite
# file is in WAL mode: a reader in another process neither waits for inferport's writes nor
# blocks them.
database_sql() {
  if [ "$1" = "postgres" ]; then postgres_sql "$2"; else sqlite3 -readonly -bail -cmd '.timeout 5000' "$sqlite_path" "$2" </dev/null; fi
}

# "PENDING RECORDS" of target $1: reservations still open and requests settled so far (usage
# records). The one place that knows which tables say so. A plan-billed request holds no credit
# and is charged nothing, but it too leaves its usage record (cost 0): the plan target counts its
# own, so that it neither waits for charges nor counts the credit-billed target's requests.
settled_state() {
  local records="select count(*) from usage_records"
  [ "$1" = "postgres_plan" ] && records+=" where billing = 'plan'"
  database_sql "$(server_of "$1")" "select (select count(*) from holds where status = 'pending') || ' ' || ($records)"
}

# Waits until inferport has settled every request the load on target $1 left in flight at its
# deadline: no hold pending and no new usage record for 300 ms (a request still queued for its
# reservation has no hold yet). Prints the number of usage records then. Gives up after 60 s.
wait_settled() {
  local deadline=$((SECONDS + 60)) state="" last="" stable=0
  while [ "$SECONDS" -lt "$deadline" ]; do
    state="$(settled_state "$1")"
    if [ "${state%% *}" = "0" ] && [ "$state" = "$last" ]; then
      stable=$((stable + 1))
      [ "$stable" -ge 3 ] && { echo "${state#* }"; return 0; }
    else
      stable=0
    fi
    last="$state"
    sleep 0.1
  done
  log "inferport on $1 had not settled 60 s after the load stopped (pending holds, usage records: $state)"
  echo "${state#* }"
}

# "NAME=CALLS;…;#cpu=MICROSECONDS;#connections=N;#idle=SECONDS,…;" of the run's Redis: the
# commands it has run, by name (commands inside Lua scripts included), the CPU it has used
# (serving every client), the connections it has accepted since it started and how long each of
# its clients has been idle (leaving out this one), which tell whether someone else used it
# meanwhile: the counters are the whole server's. Two connections, each with its command as an
# argument (redis-cli reading commands from its input first asks Redis for every command's docs,
# a millisecond of Redis's CPU). Nothing without Redis.
redis_counters() {
  uses_redis || return 0
  {
    redis-cli -u "$BENCH_REDIS_URL" CLIENT LIST </dev/null
    redis-cli -u "$BENCH_REDIS_URL" INFO cpu stats commandstats </dev/null
  } | tr -d '\r' | awk -F'[:=,]' '
    $1 == "used_cpu_sys" || $1 == "used_cpu_user" { cpu += $2 }
    $1 == "total_connections_received" { connections = $2 }
    $1 ~ /^cmdstat_/ { printf "%s=%s;", substr($1, 9), $3 }
    /^id=/ && !/ cmd=client\|list / && match($0, / idle=[0-9]+/) { idle = idle sep substr($0, RSTART + 6, RLENGTH - 6); sep = "," }
    END { printf "#cpu=%.0f;#connections=%d;#idle=%s;", cpu * 1e6, connections, idle }'
}

# "PID TICKS" of each Postgres backend that serves a client of the benchmark database (inferport's
# pool), or with "background" of the cluster's own processes (WAL writer, checkpointer, autovacuum
# workers, whichever database they are vacuuming).
postgres_ticks() {
  local filter="datname = '$BENCH_DB' and backend_type = 'client backend'"
  [ "${1:-}" = "background" ] && filter="backend_type <> 'client backend'"
  # shellcheck disable=SC2046 # one pid a word
  pids_ticks $(postgres_sql "select pid from pg_stat_activity where $filter and pid <> pg_backend_pid()")
}

# Around one load against target $1, written to $2.proc.json: what the target's process (all its
# threads and children) spent, its peak RSS, the cores' busy time and, for inferport, the
# requests it settled meanwhile and its Postgres backends' CPU. For inferport the phase lasts
# until the requests the load abandoned at its deadline have settled too, and the CPU is divided
# by the requests inferport completed in that time (its usage records), not by the client's count.
# With Redis, its counters before and after every load, whatever the target: through the others
# (direct, bare, sqlite) inferport on Postgres idles, and what Redis did then is someone else's.
begin_measure() {
  m_target="$1" m_out="$2" m_pid="${server_pid[$(server_of "$1")]:-}" m_sampler="" m_records_before=0
  m_ticks_before=0 m_system_before=0 m_pg_before="" m_pg_background_before=""
  if is_inferport "$m_target"; then m_records_before="$(settled_state "$m_target")" && m_records_before="${m_records_before#* }"; fi
  if [ "$(server_of "$m_target")" = "postgres" ]; then
    m_pg_before="$(postgres_ticks)"
    m_pg_background_before="$(postgres_ticks background)"
  fi
  if [ -n "$m_pid" ]; then
    sample_peak_rss "$m_pid" "$m_out.stop" "$m_out.rss" "$LOAD_CPUS" &
    m_sampler=$!
    sampler_pid=$m_sampler
    m_ticks_before="$(tree_ticks "$m_pid")"
    m_system_before="$(tree_ticks "$m_pid" system)"
  fi
  m_redis_before="$(redis_counters)"
  m_cores_before="$(core_ticks)"
  m_started_at="$EPOCHREALTIME"
}

end_measure() {
  local cores_after records_after completed=-1 ticks=0 system=0 peak=0 pg=0 pg_background=0 redis_after
  cores_after="$(core_ticks)"
  if is_inferport "$m_target"; then
    records_after="$(wait_settled "$m_target")"
    [[ "$records_after" =~ ^[0-9]+$ && "$m_records_before" =~ ^[0-9]+$ ]] && completed=$((records_after - m_records_before))
  fi
  if [ "$(server_of "$m_target")" = "postgres" ]; then
    pg="$(ticks_between "$m_pg_before" "$(postgres_ticks)")"
    pg_background="$(ticks_between "$m_pg_background_before" "$(postgres_ticks background)")"
  fi
  if [ -n "$m_sampler" ]; then
    ticks=$(($(tree_ticks "$m_pid") - m_ticks_before))
    system=$(($(tree_ticks "$m_pid" system) - m_system_before))
    touch "$m_out.stop"
    wait "$m_sampler"
    sampler_pid=""
    peak="$(cat "$m_out.rss")"
  fi
  # After the settling: a plan request's quota finish is sent once its answer has gone.
  redis_after="$(redis_counters)"
  printf '{"target_ticks":%d,"target_system_ticks":%d,"seconds":%s,"completed_requests":%d,"rss_peak_kb":%d,"pg_ticks":%d,"pg_background_ticks":%d,"cores_before":"%s","cores_after":"%s","redis_before":"%s","redis_after":"%s"}\n' \
    "$ticks" "$system" "$(awk -v a="$m_started_at" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')" "$completed" \
    "$peak" "$pg" "$pg_background" "$m_cores_before" "$cores_after" "$m_redis_before" "$redis_after" >"$m_out.proc.json"
}

# wrk against target $1 with $2 connections into $3.txt, measured into $3.proc.json.
measure() {
  begin_measure "$1" "$3"
  run_wrk "$1" "$2" "$BENCH_SECONDS" "$3.txt" || return 1
  end_measure
}

# The slow-stream load through target $1 into $2.json, measured into $2.proc.json.
measure_streams() {
  begin_measure "$1" "$2"
  BENCH_KEY="${api_key[$1]:-none}" pinned "$LOAD_CPUS" bun scripts/bench.d/slow-streams.ts "$BENCH_STREAMS" \
    "$BENCH_STREAM_CHUNKS" "$2.json" "${base_url[$1]}" </dev/null >"$2.log" 2>&1 ||
    { log "the slow-stream client failed against $1:"; sed 's/^/    /' "$2.log" >&2; return 1; }
  end_measure
}
