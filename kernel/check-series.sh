#!/usr/bin/env bash
# Builds every patch of the series on its own, as a reviewer applying the
# series one patch at a time would, and says which patch breaks the build
# or adds a sparse warning.
#
#   kernel/check-series.sh     (make check-series)
#
# Each commit of build/linux after the base is checked out in a worktree
# of its own (build/series) and built with the VM config into
# build/kbuild-series (ccache makes the later builds incremental), with
# CONFIG_IPV6_ILNP from the patch that adds it on, and C=1: a sparse
# warning in a file that the patch touches fails it. Exits 1 when a patch
# failed.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
src=$top/build/linux
wt=$top/build/series
obj=$top/build/kbuild-series
logs=$top/build/series-logs

die() { printf 'kernel/check-series.sh: %s\n' "$*" >&2; exit 1; }
[ -d "$src/.git" ] || die "no kernel tree at build/linux: run 'make tree'"

if [ ! -e "$wt/.git" ]; then
	git -C "$src" worktree prune
	git -C "$src" worktree add -q --detach "$wt" HEAD
fi
mkdir -p "$logs"
fail=0 n=0
for c in $(git -C "$src" rev-list --reverse ilnp-base..HEAD); do
	n=$((n + 1))
	subject=$(git -C "$src" log -1 --format=%s "$c")
	log=$logs/$(printf %02d "$n").log
	git -C "$wt" checkout -q --detach "$c"
	no_ilnp=0
	grep -q 'config IPV6_ILNP' "$wt/net/ipv6/Kconfig" || no_ilnp=1
	# A fresh config each time: the patches add Kconfig symbols.
	rm -f "$obj/.config"
	start=$(date +%s)
	if ! KSRC=$wt KOBJ=$obj KOUT=$obj/bzImage NO_ILNP=$no_ilnp SPARSE=1 \
		"$top/kernel/build.sh" >"$log" 2>&1; then
		echo "check-series: $n $subject: BUILD FAILED (build/series-logs/${log##*/})"
		tail -20 "$log" | sed 's/^/    /'
		fail=1
		continue
	fi
	# Sparse warnings about the files this patch touches.
	warn=$(git -C "$src" diff-tree --no-commit-id --name-only -r "$c" -- '*.c' '*.h' |
		while read -r f; do grep -F "$f:" "$obj/sparse.log" | grep -E 'warning|error' || true; done)
	if [ -n "$warn" ]; then
		echo "check-series: $n $subject: SPARSE"
		printf '%s\n' "$warn" | sed 's/^/    /'
		fail=1
		continue
	fi
	ilnp=with
	[ "$no_ilnp" = 1 ] && ilnp=without
	echo "check-series: $n $subject: PASS ($ilnp ILNP, $(($(date +%s) - start)) s)"
done
echo "check-series: $n patch(es) built one by one"
exit $fail
