#!/usr/bin/env bash
# strongSwan lab for the capture integration tests (tests/integration/
# test_strongswan_lab.c; ../shared/reference/strongswan-lab-notes.md).
#
#   lab.sh SCENARIO WORKDIR WFPDIAG
#
# Builds two network namespaces joined by a veth pair (initiator 192.0.2.1,
# responder 192.0.2.2; inner nets 10.1.0.0/24 and 10.2.0.0/24 on each
# side's loopback), makes a CA, host certificates and an untrusted second
# CA with pki, starts one charon per namespace (private /run through
# unshare -m + tmpfs, STRONGSWAN_CONF per instance, kernel-libipsec for
# tunnels), runs `wfpdiag capture start` in the initiator namespace
# (--daemon-log: the initiator's charon log, ike/chd level 4, so stop can
# bind its keys by ICV and put an ikev2_decryption_table in the cab),
# initiates with swanctl, runs `wfpdiag capture stop` and leaves
# WORKDIR/out/wfpdiag.cab. Everything it made is removed on exit, even on
# failure (trap), and the whole run is bounded (timeout).
#
# Scenarios: success nocert authfail untrusted proposal childprop ts timeout
set -euo pipefail

scenario=$1
work=$2
wfpdiag=$3
here=$(cd "$(dirname "$0")" && pwd)
tag=$$
ini=wfpl-i-$tag
res=wfpl-r-$tag
pids=()

log() { printf 'lab[%s]: %s\n' "$scenario" "$*" >&2; }

cleanup() {
	set +e
	# stop a capture the scenario left running (its own runtime dir)
	if [ -f "$work/ini/rt/state" ]; then
		cpid=$(sed -n 's/^pid=//p' "$work/ini/rt/state")
		[ -n "$cpid" ] && kill -9 "$cpid" 2>/dev/null
	fi
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for _ in $(seq 30); do
		alive=0
		for p in "${pids[@]}"; do
			kill -0 "$p" 2>/dev/null && alive=1
		done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for p in "${pids[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	ip netns del "$ini" 2>/dev/null
	ip netns del "$res" 2>/dev/null
}
trap cleanup EXIT INT TERM

mkdir -p "$work"/{pki,ini,res,out}

# ---- certificates (throwaway: made per run, 2048-bit RSA) ----
make_pki() {
	local d=$work/pki
	exec 3>&2 2>>"$d/pki.log"	# pki is chatty about TPM plugins
	pki --gen --type rsa --size 2048 --outform pem >"$d/ca.key"
	pki --self --ca --lifetime 30 --in "$d/ca.key" \
	    --dn "C=CH, O=wfpdiag lab, CN=lab CA" --outform pem >"$d/ca.crt"
	pki --gen --type rsa --size 2048 --outform pem >"$d/ca2.key"
	pki --self --ca --lifetime 30 --in "$d/ca2.key" \
	    --dn "C=CH, O=rogue, CN=untrusted CA" --outform pem >"$d/ca2.crt"
	for h in ini res res2; do
		local ca=ca
		[ "$h" = res2 ] && ca=ca2
		pki --gen --type rsa --size 2048 --outform pem >"$d/$h.key"
		pki --pub --in "$d/$h.key" | pki --issue --lifetime 30 \
		    --cacert "$d/$ca.crt" --cakey "$d/$ca.key" \
		    --dn "C=CH, O=wfpdiag lab, CN=${h%2}.lab" \
		    --san "${h%2}.lab" --outform pem >"$d/$h.crt"
	done
	exec 2>&3 3>&-
}

# ---- namespaces ----
make_net() {
	ip netns add "$ini"
	ip netns add "$res"
	ip link add "v$tag" netns "$ini" type veth peer name "w$tag" \
	    netns "$res"
	ip -n "$ini" addr add 192.0.2.1/24 dev "v$tag"
	ip -n "$res" addr add 192.0.2.2/24 dev "w$tag"
	ip -n "$ini" link set "v$tag" up
	ip -n "$res" link set "w$tag" up
	ip -n "$ini" link set lo up
	ip -n "$res" link set lo up
	ip -n "$ini" addr add 10.1.0.1/24 dev lo
	ip -n "$res" addr add 10.2.0.1/24 dev lo
}

# strongswan.conf for one side ($1 = ini|res)
write_conf() {
	local side=$1 dir=$work/$1
	mkdir -p "$dir"/swanctl/{x509,x509ca,private}
	cat >"$dir/strongswan.conf" <<CONF
charon {
	load_modular = no
	load = random nonce openssl kdf pem pkcs1 x509 revocation constraints pubkey socket-default kernel-libipsec kernel-netlink vici error-notify
	port = 500
	port_nat_t = 4500
	retransmit_tries = 2
	retransmit_timeout = 1.0
	retransmit_base = 1.4
	install_routes = yes
	plugins {
		vici { socket = unix://$dir/charon.vici }
		error-notify { socket = unix://$dir/charon.enfy }
		kernel-libipsec { allow_peer_ts = yes }
	}
	filelog {
		lab {
			path = $dir/charon.log
			time_format = %H:%M:%S
			default = 1
			ike = 4
			chd = 4
			cfg = 2
			flush_line = yes
		}
	}
}
CONF
}

# swanctl.conf: $1 side, then scenario knobs as variables
write_swanctl() {
	local side=$1 dir=$work/$1 me peer lts rts auth id pid
	if [ "$side" = ini ]; then
		me=192.0.2.1 peer=192.0.2.2 lts=10.1.0.0/24 rts=10.2.0.0/24
		id=ini.lab pid=res.lab
	else
		me=192.0.2.2 peer=192.0.2.1 lts=10.2.0.0/24 rts=10.1.0.0/24
		id=res.lab pid=ini.lab
	fi
	[ -n "${TS_OVERRIDE:-}" ] && [ "$side" = res ] && lts=$TS_OVERRIDE
	auth=${AUTH:-pubkey}
	local ike_prop=${IKE_PROP:-aes256-sha256-modp2048}
	[ "$side" = res ] && ike_prop=${RES_IKE_PROP:-$ike_prop}
	{
		echo "connections { lab {"
		echo "  version = 2"
		echo "  local_addrs = $me"
		echo "  remote_addrs = $peer"
		echo "  proposals = $ike_prop"
		echo "  rekey_time = 0"
		echo "  dpd_delay = 0"
		echo "  local { auth = $auth"
		echo "    id = $id"
		if [ "$auth" = pubkey ] && [ -f "$dir/swanctl/x509/host.crt" ]; then
			echo "    certs = host.crt"
		fi
		echo "  }"
		echo "  remote { auth = $auth"
		echo "    id = $pid"
		echo "  }"
		echo "  children { net {"
		echo "    local_ts = $lts"
		echo "    remote_ts = $rts"
		local esp="aes128gcm16-modp2048,aes128-sha256-modp2048"
		[ "$side" = res ] && esp=${RES_ESP_PROP:-$esp}
		echo "    esp_proposals = $esp"
		echo "    mode = tunnel"
		echo "    start_action = none"
		echo "  } }"
		echo "} }"
		if [ "$auth" = psk ]; then
			local secret=labsecret
			[ "$side" = res ] && secret=${RES_PSK:-labsecret}
			echo "secrets { ike-lab { id-a = ini.lab"
			echo "  id-b = res.lab"
			echo "  secret = \"$secret\" } }"
		fi
	} >"$dir/swanctl/swanctl.conf"
}

install_creds() {
	local side=$1 host=$2 ca=$3 dir=$work/$1
	mkdir -p "$dir"/swanctl/{x509,x509ca,private}
	if [ -n "$host" ]; then
		cp "$work/pki/$host.crt" "$dir/swanctl/x509/host.crt"
		cp "$work/pki/$host.key" "$dir/swanctl/private/host.key"
	fi
	[ -n "$ca" ] && cp "$work/pki/$ca.crt" "$dir/swanctl/x509ca/ca.crt"
	return 0
}

start_charon() {
	local side=$1 ns=$2 dir=$work/$1
	# charon's pid file path is compiled in: a private /run per instance
	STRONGSWAN_CONF=$dir/strongswan.conf ip netns exec "$ns" \
	    unshare -m sh -c 'mount -t tmpfs tmpfs /run &&
	    exec /usr/lib/ipsec/charon' >"$dir/charon.stdout" 2>&1 &
	pids+=($!)
	for _ in $(seq 50); do
		[ -S "$dir/charon.vici" ] && break
		sleep 0.1
	done
	[ -S "$dir/charon.vici" ] || { log "charon $side did not start";
	    cat "$dir/charon.stdout" >&2; exit 1; }
	swanctl --load-all --noprompt --uri "unix://$dir/charon.vici" \
	    --file "$dir/swanctl/swanctl.conf" >"$dir/load.log" 2>&1 ||
	    { log "swanctl --load-all failed on $side"; cat "$dir/load.log" >&2;
	    exit 1; }
}

capture() {
	WFPDIAG_RUNTIME_DIR=$work/ini/rt ip netns exec "$ini" "$wfpdiag" \
	    capture "$@" --vici "$work/ini/charon.vici" \
	    --enfy "$work/ini/charon.enfy"
}

# ---- scenario knobs ----
ini_host=ini ini_ca=ca res_host=res res_ca=ca start_res=1 traffic=0
case $scenario in
success) traffic=1 ;;
nocert) ini_host= ;;
authfail) export AUTH=psk RES_PSK=wrongsecret; ini_host= res_host= ;;
untrusted) res_host=res2 ;;
proposal) export RES_IKE_PROP=aes128-sha1-ecp384 ;;
childprop) export RES_ESP_PROP=aes256-sha512-modp4096 ;;
ts) export TS_OVERRIDE=10.3.0.0/24 ;;
timeout) start_res=0 ;;
*) log "unknown scenario"; exit 2 ;;
esac

make_pki
make_net
install_creds ini "$ini_host" "$ini_ca"
install_creds res "$res_host" "$res_ca"
write_conf ini
write_conf res
write_swanctl ini
write_swanctl res
[ "$start_res" = 1 ] && start_charon res "$res"
start_charon ini "$ini"

mkdir -p "$work/ini/rt"
capture start --interface any --file "$work/out/wfpdiag.cab" \
    --daemon-log "$work/ini/charon.log" \
    >"$work/out/start.log" 2>&1 || { cat "$work/out/start.log" >&2; exit 1; }
sleep 0.5
set +e
timeout 40 swanctl --initiate --child net --timeout 30 \
    --uri "unix://$work/ini/charon.vici" >"$work/out/initiate.log" 2>&1
echo "initiate exit $?" >>"$work/out/initiate.log"
if [ "$traffic" = 1 ]; then
	ip netns exec "$ini" ping -c 3 -i 0.3 -W 2 -I 10.1.0.1 10.2.0.1 \
	    >"$work/out/ping.log" 2>&1
	echo "ping exit $?" >>"$work/out/ping.log"
fi
sleep 1.5	# late alerts and retransmissions reach the capture
set -e
capture status >"$work/out/status.log" 2>&1 || true
capture stop --file "$work/out/wfpdiag.cab" >"$work/out/stop.log" 2>&1 ||
    { cat "$work/out/stop.log" >&2; exit 1; }
cp "$work/ini/charon.log" "$work/out/charon-ini.log" 2>/dev/null || true
cp "$work/res/charon.log" "$work/out/charon-res.log" 2>/dev/null || true
log "done"
