#!/.muster/bin/busybox sh
# muster's overlay init (/.muster/init, run by rdinit=/.muster/init): the image's vnfs.img and this
# overlay were unpacked into one root. Brings up the network, runs provisiond init against this
# master (the admin's init nodescripts run on every boot, as under Perceus), leaves a provisiond
# checking in with `ready` every muster.ready= seconds, then execs the image's own init. The
# image is not modified: only /.muster and the kernel's mount points are added, in RAM.
# The kernel gives init no PATH: the image's init gets the usual one.
ORIG_PATH=${PATH:-/usr/sbin:/usr/bin:/sbin:/bin}
. /.muster/lib.sh
mount_kernel_fs
export MUSTER_BOOT=overlay MUSTER_VNFS="$(arg muster.vnfs)"
say "overlay: VNFS ${MUSTER_VNFS:-(not named)}, kernel $(uname -r)"

if load_nic_modules && network_up && fetch_provisiond; then
  $PROVISIOND "$MASTER" init
  rc=$?
  [ $rc -eq 0 ] || say "provisiond init exited $rc; booting the image anyway"
  interval=$(arg muster.ready)
  case $interval in '' | *[!0-9]*) interval=300 ;; esac
  # Its own session, so the image's init and shells do not signal it; it outlives the exec below.
  setsid $PROVISIOND -i "$interval" "$MASTER" ready </dev/null >/dev/console 2>&1 &
else
  say "could not reach the master: booting the image without its init nodescripts"
fi

init=$(arg init)
init=${init:-/sbin/init}
[ -x "$init" ] || { say "the image has no $init (give init=PATH on the kernel command line); starting a shell"; exec sh; }
say "starting the image's $init"
PATH=$ORIG_PATH exec "$init" "$@"
