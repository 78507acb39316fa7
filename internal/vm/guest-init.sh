#!/bin/sh
# PID 1 of the QEMU guest that vm.Run boots (see runner.go, which embeds
# this file and writes it into the run directory as $ILNP_VM_RUN/init).
#
# The root file system is the host's / over 9p, read-only; this script
# gives the tools writable places, mounts the project's checkout read-write
# at the same path (also when it lives under /tmp, which the guest's own
# tmpfs would hide otherwise), runs the command that the runner left in
# $ILNP_VM_RUN/cmd, stores its exit status in $ILNP_VM_RUN/status, on a
# kernel with kmemleak leaves its report in $ILNP_VM_RUN/kmemleak, and
# reboots, which makes QEMU (started with -no-reboot) exit.
#
# Kernel command line variables (unknown to the kernel, so they reach us
# in the environment): ILNP_VM_SHARE, the host directory shared read-write;
# ILNP_VM_RUN, this run's directory inside it.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp/home

mount -t proc proc /proc
mount -t sysfs sysfs /sys
grep -q ' /dev ' /proc/mounts || mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=755 tmpfs /var
mkdir -p /run/lock /run/netns /var/tmp /var/log /var/lib /var/cache /var/spool "$HOME"
chmod 1777 /var/tmp
ln -s /run /var/run
ln -s /run/lock /var/lock
[ -d /sys/kernel/debug ] && mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

mkdir -p "$ILNP_VM_SHARE" 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 share "$ILNP_VM_SHARE" || {
	echo "guest-init: cannot mount the shared directory $ILNP_VM_SHARE" >&2
	echo b >/proc/sysrq-trigger
}

hostname ilnp-vm
ip link set lo up
echo "guest-init: booted Linux $(uname -r), $(nproc) CPU(s); running $ILNP_VM_RUN/cmd"

if [ -f "$ILNP_VM_RUN/interactive" ]; then
	setsid -c bash "$ILNP_VM_RUN/cmd" <>/dev/ttyS0 >&0 2>&1
else
	bash "$ILNP_VM_RUN/cmd" </dev/null
fi
echo $? >"$ILNP_VM_RUN/status"

# kmemleak reports an object only when a scan finds it unreferenced, at
# least 5 s old (MSECS_MIN_AGE) and with the same checksum as at the scan
# before (a first scan only records it): so scan, wait, scan again, and
# read the report from the file (its console lines are at KERN_INFO,
# below loglevel=5). An error is left in kmemleak.err for the runner.
leaks=/sys/kernel/debug/kmemleak
if [ -e "$leaks" ]; then
	echo "guest-init: kmemleak: scanning twice, 6 s apart"
	err=$ILNP_VM_RUN/kmemleak.err
	if { echo scan >"$leaks" && sleep 6 && echo scan >"$leaks" &&
		cat "$leaks" >"$ILNP_VM_RUN/kmemleak"; } 2>"$err"; then
		rm -f "$err"
	else
		msg=$(cat "$err")
		echo "kmemleak: scan or read failed: ${msg:-no message}" >"$err"
	fi
fi

sync
echo b >/proc/sysrq-trigger
