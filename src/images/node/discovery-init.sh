#!/.muster/bin/busybox sh
# muster's discovery initramfs /init: brings up the network, fetches provisiond from the master
# and runs init (an unknown node is registered there), then reboots so that iPXE asks muster
# again and boots the node's bootenv.
. /.muster/lib.sh
mount_kernel_fs
export MUSTER_BOOT=discovery
say "discovery, kernel $(uname -r)"

tries=0
until load_nic_modules && network_up && fetch_provisiond && $PROVISIOND "$MASTER" init; do
  tries=$((tries + 1))
  [ $tries -ge 5 ] && break
  say "provisioning did not complete (round $tries of 5); trying again in 10 s"
  sleep 10
done
say "rebooting into this node's bootenv"
sync
reboot -f
