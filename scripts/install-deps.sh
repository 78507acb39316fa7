#!/usr/bin/env bash
# Installs everything the project's build and tests need on a fresh
# Debian 12 machine (as root): the kernel base, the toolchain for it,
# QEMU, the network tools the guest runs, and the Go modules.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
	# kernel base and build
	linux-source-6.1 build-essential bc bison flex libelf-dev libssl-dev cpio kmod ccache xz-utils
	# checkpatch.pl and its SPDX check
	perl python3 python3-ply python3-git
	# the VM
	qemu-system-x86
	# tools the guest runs from the host's root file system
	iproute2 iputils-ping iperf radvd tcpdump tshark ethtool procps util-linux
	# later issues: MPTCP comparison, sparse for make C=1
	mptcpd sparse
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture; the answer does not matter here.
	echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
else
	echo "install-deps: all Debian packages present"
fi

export PATH=/usr/local/go/bin:$PATH
go mod download
echo "install-deps: Go modules ready"
