#!/usr/bin/env bash
# Installs what the project's build and tests need on a Debian 12 machine
# that has only Go (at /usr/local/go): the kernel base, the toolchain for
# it, QEMU, the network tools the guest runs from the host's root file
# system, and the Go modules.
#
#   scripts/install-deps.sh              install what is missing, saying what
#                                        it checks (what .ci/run calls)
#   scripts/install-deps.sh --if-missing the same, silent when nothing is
#                                        missing (what make calls: about 0.2 s)
#   scripts/install-deps.sh --check      only say what is missing; exit 1 if
#                                        anything is
#
# The check is dpkg's status of each package below and whether the Go
# module cache holds every module of go.mod (go mod download with the
# proxy off). Installing needs root (or sudo without a password).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
	# the kernel base and its build
	linux-source-6.1 git build-essential bc bison flex libelf-dev libssl-dev cpio kmod ccache xz-utils
	# checkpatch.pl and its SPDX check
	perl python3 python3-ply python3-git
	# the VM
	qemu-system-x86
	# tools the guest runs from the host's root file system
	iproute2 iputils-ping iperf radvd tcpdump tshark ethtool procps util-linux
	# MPTCP comparison (iperf2 under `mptcpize run`; mptcpd does not ship mptcpize)
	mptcpd mptcpize
	# sparse for make C=1
	sparse
	# later issues: firewall, DNS server and client, HTTP and SSH over ILNP
	nftables bind9 bind9-dnsutils curl openssh-server openssh-client
)

mode=install
case "${1:-}" in
"") ;;
--if-missing) mode=quiet ;;
--check) mode=check ;;
-h | --help)
	sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
	exit 0
	;;
*)
	echo "install-deps: unknown argument '$1' (see --help)" >&2
	exit 2
	;;
esac

say() { [ "$mode" = quiet ] || echo "install-deps: $*"; }

export PATH=/usr/local/go/bin:$PATH
if ! command -v go >/dev/null; then
	echo "install-deps: Go is not installed: the project needs Go 1.26 at /usr/local/go (see README.md)" >&2
	exit 1
fi

# One dpkg-query for all packages; an unknown one is reported on stderr
# and is missing too.
missing_packages() {
	local -A ok=()
	local p st
	while read -r p st; do
		[ "$st" = ii ] && ok[$p]=1
	done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${packages[@]}" 2>/dev/null || true)
	for p in "${packages[@]}"; do
		[ -n "${ok[$p]:-}" ] || echo "$p"
	done
}

# The module cache holds every module when go mod download succeeds
# without the proxy.
modules_missing() {
	! GOPROXY=off go mod download >/dev/null 2>&1
}

mapfile -t missing < <(missing_packages)
mods=0
modules_missing && mods=1

what=("${missing[@]}")
[ $mods = 0 ] || what+=("Go modules")

if [ "$mode" = check ]; then
	if [ ${#what[@]} -eq 0 ]; then
		echo "install-deps: nothing is missing"
		exit 0
	fi
	echo "install-deps: missing: ${what[*]}"
	exit 1
fi

if [ ${#what[@]} -gt 0 ] && [ "$mode" = quiet ]; then
	echo "install-deps: missing ${what[*]}: installing (scripts/install-deps.sh; log in build/install-deps.log)"
fi

# In --if-missing mode the installers' output goes to a log, shown only
# when they fail.
log=/dev/stdout
if [ "$mode" = quiet ] && [ ${#what[@]} -gt 0 ]; then
	mkdir -p build
	log=build/install-deps.log
	: >"$log"
fi
start=$(date +%s)
run_logged() {
	if [ "$log" = /dev/stdout ]; then
		"$@"
	elif ! "$@" >>"$log" 2>&1; then
		echo "install-deps: '$*' failed; the end of $log:" >&2
		tail -n 30 "$log" >&2
		return 1
	fi
}

if [ ${#missing[@]} -gt 0 ]; then
	say "installing ${missing[*]}"
	sudo=()
	if [ "$(id -u)" != 0 ]; then
		if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
			sudo=(sudo -n)
		else
			echo "install-deps: installing Debian packages needs root; run 'sudo scripts/install-deps.sh' (missing: ${missing[*]})" >&2
			exit 1
		fi
	fi
	# Packages such as bind9 and openssh-server would start their daemons
	# on the host; nothing here needs them there (the tests start their
	# own in the guest), so a policy-rc.d that says no is put in place for
	# the install when the machine has none.
	policy=/usr/sbin/policy-rc.d
	if [ ! -e "$policy" ]; then
		"${sudo[@]}" sh -c "printf '#!/bin/sh\nexit 101\n' >$policy && chmod 755 $policy"
		trap '"${sudo[@]}" rm -f "$policy"' EXIT
	fi
	# tshark asks whether non-root users may capture; the answer does not
	# matter here.
	echo 'wireshark-common wireshark-common/install-setuid boolean false' | "${sudo[@]}" debconf-set-selections
	run_logged "${sudo[@]}" apt-get update -q
	run_logged "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "${missing[@]}"
	mapfile -t still < <(missing_packages)
	if [ ${#still[@]} -gt 0 ]; then
		echo "install-deps: still missing after apt-get install: ${still[*]}" >&2
		exit 1
	fi
else
	say "all ${#packages[@]} Debian packages present"
fi

if [ $mods = 1 ]; then
	say "downloading Go modules"
	run_logged go mod download
	say "Go modules ready"
else
	say "Go modules present"
fi

if [ ${#what[@]} -gt 0 ] && [ "$mode" = quiet ]; then
	echo "install-deps: installed ${what[*]} in $(($(date +%s) - start)) s"
fi
