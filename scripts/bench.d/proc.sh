# shellcheck shell=bash
# What a process costs, read from /proc: CPU ticks, peak RSS and the cores' busy time. Sourced
# by scripts/bench.

# Prints the CPU clock ticks (user + system, all threads) that process $1 and every process
# below it have used; with a second argument "system", only the system (kernel) part. A gateway
# may run its database work on a thread or in a child process: either way it is counted.
tree_ticks() {
  local root="$1" part="${2:-all}"
  # One read of every /proc/PID/stat; the command name may hold spaces and parentheses, so the
  # fields are counted from its last ") ".
  cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$root" -v part="$part" '
    {
      pid = $1
      line = $0
      sub(/^.*\) /, "", line)
      split(line, field, " ")
      parent[pid] = field[2]
      ticks[pid] = (part == "system") ? field[13] : field[12] + field[13]
    }
    END {
      inside[root] = 1
      do {
        grew = 0
        for (pid in parent) if (!(pid in inside) && (parent[pid] in inside)) { inside[pid] = 1; grew = 1 }
      } while (grew)
      for (pid in inside) total += ticks[pid]
      print total + 0
    }'
}

# Prints "PID TICKS" for each pid given as an argument (a process gone meanwhile prints nothing).
pids_ticks() {
  local pid stat fields
  for pid in "$@"; do
    stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || continue
    read -ra fields <<<"${stat##*) }"
    echo "$pid $((fields[11] + fields[12]))"
  done
}

# Prints the ticks spent between two "PID TICKS" lists $1 (before) and $2 (after): a process that
# appeared in between counts whole, one that went away counts what it had spent until the last
# look before it did (nothing, if it was not seen after).
ticks_between() {
  awk 'NR == FNR { before[$1] = $2; next } { total += $2 - (($1 in before) ? before[$1] : 0) } END { print total + 0 }' \
    <(printf '%s\n' "$1") <(printf '%s\n' "$2")
}

# Prints "cpuN busy total;" for each core, from /proc/stat.
core_ticks() {
  local name user nice system idle iowait irq softirq steal rest
  while read -r name user nice system idle iowait irq softirq steal rest; do
    case "$name" in
      cpu[0-9]*) printf '%s %d %d;' "$name" $((user + nice + system + irq + softirq + steal)) \
        $((user + nice + system + idle + iowait + irq + softirq + steal)) ;;
    esac
  done </proc/stat
}

# Samples the RSS of process $1 every 100 ms until file $2 exists, then writes the peak (kB) to
# $3. Runs on the load cores ($4, when given) so that it does not steal the proxy's.
sample_peak_rss() {
  local pid="$1" stop_file="$2" out="$3" cpus="${4:-}" peak=0 key value _
  [ -n "$cpus" ] && taskset -pc "$cpus" "$BASHPID" >/dev/null 2>&1
  while [ ! -e "$stop_file" ] && [ -r "/proc/$pid/status" ]; do
    while read -r key value _; do
      if [ "$key" = "VmRSS:" ]; then
        [ "$value" -gt "$peak" ] && peak="$value"
        break
      fi
    done <"/proc/$pid/status"
    sleep 0.1
  done
  echo "$peak" >"$out"
}
