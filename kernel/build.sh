#!/usr/bin/env bash
# Configures and builds the VM kernel from build/linux.
#
#   kernel/build.sh            -> build/bzImage        (objects in build/kbuild)
#   DEBUG=1 kernel/build.sh    -> build/bzImage-debug  (build/kbuild-debug)
#   NO_ILNP=1 kernel/build.sh  -> build/bzImage-noilnp (build/kbuild-noilnp),
#                                 the same config without CONFIG_IPV6_ILNP
#
# KSRC, KOBJ and KOUT override the tree, the object directory and the
# image (kernel/check-series.sh builds each patch that way); SPARSE=1 runs
# sparse on every file compiled (C=1), its warnings in $KOBJ/sparse.log.
#
# The config is tinyconfig plus the fragments in kernel/, regenerated only
# when a fragment changed, and checked: a fragment line that olddefconfig
# dropped (an unmet dependency) fails the build. Each variant has its own
# object directory, so switching between them never forces a full rebuild.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
src=${KSRC:-$top/build/linux}
frags=("$top/kernel/vm.config")
variant=
if [ "${NO_ILNP:-0}" = 1 ]; then
	variant=-noilnp
else
	frags+=("$top/kernel/ilnp.config")
fi
if [ "${DEBUG:-0}" = 1 ]; then
	variant=$variant-debug
	frags+=("$top/kernel/debug.config")
fi
obj=${KOBJ:-$top/build/kbuild$variant}
out=${KOUT:-$top/build/bzImage$variant}

die() { printf 'kernel/build.sh: %s\n' "$*" >&2; exit 1; }
[ -f "$src/Makefile" ] || die "no kernel tree at build/linux: run 'make tree'"

kmake=(make -C "$src" O="$obj" ARCH=x86_64 -j"$(nproc)"
	KBUILD_BUILD_USER=ilnp KBUILD_BUILD_HOST=ilnp
	KBUILD_BUILD_TIMESTAMP='2000-01-01' LOCALVERSION=)
if command -v ccache >/dev/null; then
	kmake+=(CC="ccache gcc")
	# Paths below the checkout are hashed relative to it, so a clone in
	# another folder (CI) reuses the cache.
	export CCACHE_BASEDIR=$top
fi

# Every fragment line must be in the final .config exactly as written.
verify_config() {
	local f line sym bad=0
	for f in "${frags[@]}"; do
		while IFS= read -r line; do
			case "$line" in
			CONFIG_*=*)
				grep -qxF -- "$line" "$obj/.config" || {
					echo "  $(basename "$f"): wanted '$line', got '$(grep -E "^(# )?${line%%=*}[= ]" "$obj/.config" || echo unset)'"
					bad=1
				}
				;;
			"# CONFIG_"*" is not set")
				sym=${line#\# }
				sym=${sym%% *}
				if grep -q "^$sym=" "$obj/.config"; then
					echo "  $(basename "$f"): wanted '$line', got '$(grep "^$sym=" "$obj/.config")'"
					bad=1
				fi
				;;
			esac
		done <"$f"
	done
	return $bad
}

configure() {
	mkdir -p "$obj"
	echo "kbuild: configuring $(basename "$obj") (tinyconfig + ${frags[*]##*/})"
	"${kmake[@]}" -s tinyconfig >/dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${frags[@]}" >"$obj/merge.log" 2>&1 ||
		{ cat "$obj/merge.log"; die "merge_config.sh failed"; }
	"${kmake[@]}" -s olddefconfig >/dev/null
	if ! verify_config >"$obj/verify.log"; then
		cat "$obj/verify.log" >&2
		rm -f "$obj/.config"
		die "config fragments not satisfied (see above): a dependency is missing"
	fi
	# A stamp of the inputs, so the next run knows whether to reconfigure.
	cat "${frags[@]}" | sha256sum >"$obj/.fragments.sha"
}

stamp=$(cat "${frags[@]}" | sha256sum)
if [ ! -f "$obj/.config" ] || [ "$stamp" != "$(cat "$obj/.fragments.sha" 2>/dev/null)" ]; then
	configure
elif ! verify_config >"$obj/verify.log"; then
	# A build of a tree without one of the symbols (an earlier patch of
	# the series checked out) made kconfig drop it from .config: the
	# next build would silently lack it.
	echo "kbuild: $(basename "$obj")/.config lost fragment lines:"
	cat "$obj/verify.log"
	configure
fi

echo "kbuild: building $(basename "$out") from $(git -C "$src" describe --always --tags 2>/dev/null) ($(git -C "$src" rev-list --count ilnp-base..HEAD 2>/dev/null || echo '?') patch(es) on the base)"
start=$(date +%s)
if [ "${SPARSE:-0}" = 1 ]; then
	# Sparse reports on stderr; the build's own errors go there too.
	"${kmake[@]}" C=1 bzImage 2> >(tee "$obj/sparse.log" >&2)
else
	"${kmake[@]}" bzImage
fi
cp "$obj/arch/x86/boot/bzImage" "$out"
echo "kbuild: $(basename "$out") ready ($(cat "$obj/include/config/kernel.release")) in $(($(date +%s) - start)) s"
