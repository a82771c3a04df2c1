# muster's node-side boot steps (busybox ash), sourced by the overlay's /.muster/init and by the
# discovery initramfs's /init. Everything runs from /.muster/bin (busybox and its applet links),
# so the image needs no tools of its own, and nothing outside /.muster is written but the kernel's
# mount points and, when the image lacks one, a modules index in RAM.

M=/.muster
export PATH=$M/bin:/usr/sbin:/usr/bin:/sbin:/bin

say() { echo "muster: $*"; }

# A kernel command line argument's value (the last one wins, as the kernel's own parsing does).
arg() {
  _v=
  for _w in $(cat /proc/cmdline); do
    case $_w in "$1"=*) _v=${_w#*=} ;; esac
  done
  echo "$_v"
}

# proc, sys and dev: the kernel mounts none of them for an initramfs (DEVTMPFS_MOUNT is for a root device).
# The applet links come after /proc: busybox finds itself through /proc/self/exe.
mount_kernel_fs() {
  _bb=$M/bin/busybox
  $_bb mkdir -p /proc /sys /dev /tmp
  $_bb mountpoint -q /proc || $_bb mount -t proc proc /proc
  $_bb --install -s $M/bin
  mountpoint -q /sys || mount -t sysfs sysfs /sys
  mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
  exec </dev/console >/dev/console 2>&1
}

# Drivers for the network devices present, as udev's coldplug would find them: PCI network
# controllers (class 0x02....), then the virtio network devices that virtio_pci makes appear.
load_nic_modules() {
  _dir=/lib/modules/$(uname -r)
  if [ ! -d "$_dir" ]; then
    say "no modules for kernel $(uname -r) in /lib/modules: using the drivers built into the kernel"
    return 0
  fi
  [ -f "$_dir/modules.alias" ] || depmod
  for _pass in 1 2 3; do
    for _dev in /sys/bus/pci/devices/* /sys/bus/virtio/devices/*; do
      [ -f "$_dev/modalias" ] || continue
      case $_dev in
        /sys/bus/pci/*) case $(cat "$_dev/class") in 0x02*) ;; *) continue ;; esac ;;
        *) [ "$(cat "$_dev/device")" = 0x0001 ] || continue ;;
      esac
      modprobe -q "$(cat "$_dev/modalias")"
    done
  done
}

# The interface to bring up: the one with BOOTIF's MAC (pxelinux's 01-aa-bb-...), else the first
# Ethernet one. Waits up to 20 s for drivers to register it.
pick_iface() {
  _want=$(echo "${1#01-}" | tr 'A-F-' 'a-f:')
  _n=0
  while [ $_n -lt 40 ]; do
    _first=
    for _d in /sys/class/net/*; do
      [ "$(cat "$_d/type" 2>/dev/null)" = 1 ] || continue
      [ -n "$_want" ] && [ "$(cat "$_d/address")" != "$_want" ] && { _first=${_first:-${_d##*/}}; continue; }
      echo "${_d##*/}"
      return 0
    done
    # Half the wait for BOOTIF's own interface, then any Ethernet one.
    [ $_n -ge 20 ] && [ -n "$_first" ] && { echo "$_first"; return 0; }
    usleep 500000
    _n=$((_n + 1))
  done
  return 1
}

# Brings up the boot interface with DHCP; sets IFACE, MAC and PROVISIOND (the client's command
# line: this node's MAC, the booted VNFS, its scripts run by busybox's sh; words without spaces).
network_up() {
  IFACE=$(pick_iface "$(arg BOOTIF)") || { say "no Ethernet interface appeared (no driver for this NIC in /lib/modules/$(uname -r)?)"; return 1; }
  MAC=$(cat "/sys/class/net/$IFACE/address")
  PROVISIOND="sh $M/provisiond -n $MAC -s $M/bin/sh${MUSTER_VNFS:+ -V $MUSTER_VNFS}"
  ip link set "$IFACE" up
  say "DHCP on $IFACE ($MAC)"
  udhcpc -i "$IFACE" -s $M/udhcpc.sh -n -q -t 10 -T 3 || { say "no DHCP answer on $IFACE"; return 1; }
}

# Fetches provisiond from the master (muster.http=, else masterip= on muster's default port).
fetch_provisiond() {
  MASTER=$(arg muster.http)
  [ -n "$MASTER" ] || { _ip=$(arg masterip); [ -n "$_ip" ] && MASTER=http://$_ip:8987; }
  [ -n "$MASTER" ] || { say "no muster.http= or masterip= on the kernel command line: cannot find the master"; return 1; }
  _n=1
  until wget -q -O $M/provisiond "$MASTER/provisiond"; do
    [ $_n -ge 10 ] && { say "cannot fetch $MASTER/provisiond"; return 1; }
    sleep $_n
    _n=$((_n + 1))
  done
}
