#!/bin/sh
# workerd for `npm run dev:workers` (tiedWorkerd.ts): the same binary, arguments and pipes (exec
# keeps this pid), plus a watcher that kills it once the node process that started it is gone,
# even by SIGKILL, so an orphaned workerd never keeps serving on the port. The watcher holds none
# of Miniflare's pipes and ends by itself when workerd exits first.
parent=$PPID
wrapper=$(basename "$0" | cut -c1-15)
workerd=$(basename "$WORKERD_TIED_BIN" | cut -c1-15)

# "<parent pid> <command name>" of this pid while it runs; nothing once it is gone.
state() {
  if [ -r /proc/$$/stat ]; then
    read -r _ name _ ppid _ </proc/$$/stat && echo "$ppid ${name#(}" | sed 's/)$//'
  else
    ps -o ppid=,comm= -p $$ | awk '{ n = $2; sub(/.*\//, "", n); print $1, substr(n, 1, 15) }'
  fi
}

(
  while :; do
    sleep 0.5 2>/dev/null || sleep 1
    set -- $(state 2>/dev/null)
    [ "$2" = "$wrapper" ] && continue # not exec'd yet
    [ "$2" = "$workerd" ] || exit 0 # workerd is gone (the pid is no longer its)
    [ "$1" = "$parent" ] || kill -9 $$ # reparented: node is gone
  done
) </dev/null >/dev/null 2>&1 3>&- &
exec "$WORKERD_TIED_BIN" "$@"
