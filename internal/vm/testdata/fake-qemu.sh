#!/bin/sh
# Stands in for qemu-system-x86_64 in the vm and harness tests: it prints the
# console in $FAKE_CONSOLE as the guest would, then leaves in the run
# directory (ILNP_VM_RUN= on the kernel command line) what guest-init.sh
# would: the exit status $FAKE_STATUS (none when empty: the guest died)
# and a copy of the kmemleak report $FAKE_KMEMLEAK (when set).
# $FAKE_SLEEP makes it sleep that long instead: a guest that hangs.
run=
for a in "$@"; do
	case $a in
	*ILNP_VM_RUN=*)
		run=${a##*ILNP_VM_RUN=}
		run=${run%% *}
		;;
	esac
done
[ -n "$run" ] || { echo "fake-qemu: no ILNP_VM_RUN= in the arguments" >&2; exit 1; }
[ -z "${FAKE_SLEEP:-}" ] || exec sleep "$FAKE_SLEEP"
cat "$FAKE_CONSOLE"
[ -z "${FAKE_STATUS:-}" ] || echo "$FAKE_STATUS" >"$run/status"
[ -z "${FAKE_KMEMLEAK:-}" ] || cp "$FAKE_KMEMLEAK" "$run/kmemleak"
exit 0
