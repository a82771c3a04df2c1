#!/.muster/bin/busybox sh
# udhcpc's event script for muster's boot steps: configures the lease's address and router.
case $1 in
  deconfig) ip -4 addr flush dev "$interface" ;;
  bound | renew)
    ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}" up
    [ -n "$router" ] && route add default gw "${router%% *}" dev "$interface" 2>/dev/null
    echo "muster: $interface has $ip"
    ;;
esac
exit 0
