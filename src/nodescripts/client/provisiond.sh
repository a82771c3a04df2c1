#!/bin/sh
# muster provisiond: the node client. Fetches the nodescript for a state from the master over
# HTTP, runs it, and reports the exit status back. Works with busybox (wget) or curl.
#
#   provisiond [-i SECONDS] [-n MAC] [-t TRIES] [-s SHELL] [-V NAME@REV] [MASTER[,MASTER...]] STATE
#
# MASTER is host, host:port or http://host:port (default: the master that served this file).
# -i  keep checking in every SECONDS; stop for good when a script exits non-zero (as Perceus's
#     provisiond did), after telling the master why. Unreachable masters are retried.
# -n  this node's MAC (default: the first Ethernet interface's address)
# -V  the VNFS this node booted (name@revision, from muster.vnfs= on its kernel command line),
#     sent with every request as vnfs=NAME@REV
# -t  fetch attempts per run, with backoff 1, 2, 4 ... 30 s between them (default 5)
# Exit status: the script's, or 255 when no master could be reached. A script exiting 75 (the
# master is busy) is fetched again, up to TRIES times.
# The script runs with MUSTER_MASTER=http://<the master that served it> in its environment.

DEFAULT_MASTER=''

usage() {
  echo "usage: provisiond [-i SECONDS] [-n MAC] [-t TRIES] [-s SHELL] [-V NAME@REV] [MASTER[,MASTER...]] STATE" >&2
  exit 2
}

interval=0 mac='' tries=5 shell=/bin/sh vnfs=''
while getopts i:n:t:s:V:h opt; do
  case $opt in
    i) interval=$OPTARG ;;
    n) mac=$OPTARG ;;
    t) tries=$OPTARG ;;
    s) shell=$OPTARG ;;
    V) vnfs=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
case $# in
  1) masters=$DEFAULT_MASTER state=$1 ;;
  2) masters=$1 state=$2 ;;
  *) usage ;;
esac
[ -n "$masters" ] || { echo "provisiond: no master given" >&2; usage; }
case $state in '' | *[!A-Za-z0-9_]*) echo "provisiond: '$state' is not a state (letters, digits, _)" >&2; exit 2 ;; esac
case $interval$tries in *[!0-9]*) echo "provisiond: -i and -t take whole numbers" >&2; exit 2 ;; esac
case $vnfs in *[!A-Za-z0-9_.@-]*) echo "provisiond: -V takes NAME@REVISION (letters, digits, _ . - @)" >&2; exit 2 ;; esac

if [ -z "$mac" ]; then
  for dev in /sys/class/net/*; do
    [ "${dev##*/}" = lo ] && continue
    [ "$(cat "$dev/type" 2>/dev/null)" = 1 ] || continue
    mac=$(cat "$dev/address") && break
  done
fi
[ -n "$mac" ] || { echo "provisiond: cannot find this node's MAC; give it with -n" >&2; exit 2; }
node_query="hwaddr=$mac${vnfs:+&vnfs=$vnfs}"

http_get() { # URL FILE
  if command -v curl >/dev/null 2>&1; then curl -fsS -o "$2" "$1"; else wget -q -O "$2" "$1"; fi
}
http_post() { # URL DATA
  if command -v curl >/dev/null 2>&1; then curl -fsS -o /dev/null --data-binary "$2" "$1"; else wget -q -O /dev/null --post-data "$2" "$1"; fi
}

# Tries every master in turn, up to $tries rounds with backoff; sets master_url on success.
fetch() { # FILE
  attempt=1 delay=1
  while :; do
    old_ifs=$IFS IFS=,
    for m in $masters; do
      IFS=$old_ifs
      case $m in http://* | https://*) url=$m ;; *) url=http://$m ;; esac
      if http_get "$url/nodescripts/$state?$node_query" "$1"; then master_url=$url; return 0; fi
    done
    IFS=$old_ifs
    [ "$attempt" -ge "$tries" ] && return 1
    echo "provisiond: no master answered (attempt $attempt of $tries); retrying in ${delay}s" >&2
    sleep "$delay"
    attempt=$((attempt + 1)) delay=$((delay * 2))
    [ "$delay" -gt 30 ] && delay=30
  done
}

run_once() { # [stop-note]
  busy=0
  while :; do
    script=$(mktemp) errors=$(mktemp)
    if ! fetch "$script"; then
      rm -f "$script" "$errors"
      echo "provisiond: no master reachable for state $state" >&2
      return 255
    fi
    # Node tasks in the script report their outcome to the master that served it.
    MUSTER_MASTER=$master_url "$shell" "$script" 2>"$errors"
    rc=$?
    cat "$errors" >&2
    # 75 (EX_TEMPFAIL): the master was too busy to serve this state and asks to be asked again.
    [ "$rc" -eq 75 ] && [ "$busy" -lt "$tries" ] || break
    busy=$((busy + 1))
    rm -f "$script" "$errors"
    echo "provisiond: the master is busy; asking again (attempt $busy of $tries)" >&2
  done
  stop=0
  [ "$interval" -gt 0 ] && [ "$rc" -ne 0 ] && stop=1
  reason=$(tail -c 512 "$errors")
  http_post "$master_url/nodescripts/$state/report?$node_query&exit=$rc&stop=$stop" "$reason" ||
    echo "provisiond: could not report exit status $rc to $master_url" >&2
  rm -f "$script" "$errors"
  return "$rc"
}

if [ "$interval" -gt 0 ]; then
  while :; do
    run_once
    rc=$?
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 255 ]; then
      echo "provisiond: the $state script exited $rc; no more check-ins" >&2
      exit "$rc"
    fi
    sleep "$interval"
  done
fi
run_once
exit $?
