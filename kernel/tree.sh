#!/usr/bin/env bash
# Keeps build/linux, the kernel work tree, in step with patches/.
#
#   kernel/tree.sh sync     create build/linux from the pinned base tarball
#                           and apply patches/series; later calls re-apply
#                           only when patches/ changed, rewriting only the
#                           files that differ so that rebuilds stay small
#   kernel/tree.sh export   write the commits after the base back into
#                           patches/ (git format-patch) with a series file
#   kernel/tree.sh status   say how build/linux relates to patches/
#
# The tree is a git repository whose root commit is the unmodified base
# (tag ilnp-base). patches/ is the source of truth; build/linux is where
# you work: commit there, then `make patches`.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tree=$top/build/linux
patches=$top/patches
base_tag=ilnp-base

# shellcheck source=kernel/base.conf
. "$top/kernel/base.conf"

die() { printf 'kernel/tree.sh: %s\n' "$*" >&2; exit 1; }
say() { printf 'tree: %s\n' "$*"; }

git_tree() { git -C "$tree" "$@"; }

series_files() {
	[ -f "$patches/series" ] || return 0
	# Lines are file names relative to patches/; '#' starts a comment.
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$patches/series" | grep -v '^$' || true
}

# A digest of the series as it would be applied: the list and every patch.
series_digest() {
	{
		series_files
		series_files | while read -r p; do
			[ -f "$patches/$p" ] || die "patches/series names $p, which is missing"
			cat "$patches/$p"
		done
	} | sha256sum | cut -d' ' -f1
}

state_file() { echo "$tree/.git/ilnp-sync"; }

record_state() {
	printf '%s %s\n' "$(series_digest)" "$(git_tree rev-parse HEAD)" >"$(state_file)"
}

check_base_package() {
	[ -f "$BASE_TARBALL" ] ||
		die "$BASE_TARBALL not found: install the base with 'apt-get install $BASE_PACKAGE'"
	local have
	have=$(dpkg-query -W -f='${Version}' "$BASE_PACKAGE" 2>/dev/null || echo unknown)
	if [ "$have" != "$BASE_DEB_VERSION" ]; then
		say "NOTE: $BASE_PACKAGE is $have here; the series was last tested on $BASE_DEB_VERSION (kernel/base.conf)."
		say "NOTE: applying anyway; a patch that no longer applies is named below."
	fi
}

create_base() {
	check_base_package
	local tmp=$tree.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp"
	say "unpacking $BASE_TARBALL"
	tar -xf "$BASE_TARBALL" -C "$tmp" --strip-components=1
	local kver
	kver=$(make -s -C "$tmp" kernelversion 2>/dev/null)
	if [ "$kver" != "$BASE_KERNEL_VERSION" ]; then
		say "NOTE: base tarball is Linux $kver; the series was last tested on $BASE_KERNEL_VERSION."
	fi
	# Debian's tarball adds '/*' to the top-level .gitignore, which would
	# hide every new file at the root of a work tree. Upstream has no such
	# rule; drop it so that new files can be added as usual.
	sed -i -e '\#^/\*$#d' -e '\#^!/debian/$#d' "$tmp/.gitignore"
	git -C "$tmp" init -q
	git -C "$tmp" config gc.auto 0
	git -C "$tmp" config core.abbrev 12
	git -C "$tmp" add -f -A
	GIT_AUTHOR_NAME=ilnp GIT_AUTHOR_EMAIL=ilnp@localhost \
		GIT_COMMITTER_NAME=ilnp GIT_COMMITTER_EMAIL=ilnp@localhost \
		GIT_AUTHOR_DATE='2000-01-01T00:00:00Z' GIT_COMMITTER_DATE='2000-01-01T00:00:00Z' \
		git -C "$tmp" commit -q -m "Base: $BASE_PACKAGE $BASE_DEB_VERSION (Linux $kver)"
	git -C "$tmp" tag "$base_tag"
	mv "$tmp" "$tree"
	say "base committed as $(git_tree rev-parse --short HEAD) (tag $base_tag)"
}

# Builds the series as commits on the base without touching the work tree
# (a private index, git apply --cached, commit-tree), and prints the last
# commit. Committer and author are the patch's, so the ids are stable.
apply_series() {
	local parent idx work p n=0
	parent=$(git_tree rev-parse "$base_tag")
	idx=$tree/.git/ilnp-apply.index
	work=$(mktemp -d)
	trap 'rm -rf "$work" "$idx"' RETURN
	GIT_INDEX_FILE=$idx git_tree read-tree "$parent"
	while read -r p; do
		n=$((n + 1))
		git_tree mailinfo "$work/msg" "$work/diff" <"$patches/$p" >"$work/info"
		if ! GIT_INDEX_FILE=$idx git_tree apply --cached "$work/diff" 2>"$work/err"; then
			{
				echo "kernel/tree.sh: patches/$p does not apply to the base:"
				sed 's/^/  /' "$work/err"
				echo "  (base: $(git_tree log -1 --format=%s "$base_tag"))"
			} >&2
			return 1
		fi
		local subject author email date tree_id
		subject=$(sed -n 's/^Subject: //p' "$work/info")
		author=$(sed -n 's/^Author: //p' "$work/info")
		email=$(sed -n 's/^Email: //p' "$work/info")
		date=$(sed -n 's/^Date: //p' "$work/info")
		tree_id=$(GIT_INDEX_FILE=$idx git_tree write-tree)
		parent=$(
			{ printf '%s\n\n' "$subject"; cat "$work/msg"; } |
				GIT_AUTHOR_NAME=$author GIT_AUTHOR_EMAIL=$email GIT_AUTHOR_DATE=$date \
					GIT_COMMITTER_NAME=$author GIT_COMMITTER_EMAIL=$email GIT_COMMITTER_DATE=$date \
					git_tree commit-tree "$tree_id" -p "$parent"
		)
	done < <(series_files)
	echo "$parent"
	say "applied $n patch(es) from patches/series" >&2
}

tree_dirty() {
	[ -n "$(git_tree status --porcelain --untracked-files=no)" ]
}

cmd_sync() {
	if [ ! -d "$tree/.git" ]; then
		create_base
		local head
		head=$(apply_series) || exit 1
		git_tree reset -q --hard "$head"
		record_state
		say "build/linux is the base plus $(series_files | wc -l) patch(es)"
		return
	fi
	local digest rec_digest rec_head
	digest=$(series_digest)
	read -r rec_digest rec_head <"$(state_file)" 2>/dev/null || true
	if [ "$digest" = "${rec_digest:-}" ]; then
		if [ "$(git_tree rev-parse HEAD)" != "$rec_head" ] || tree_dirty; then
			say "build/linux has work that is not in patches/ yet (commit it and run 'make patches')"
		fi
		return
	fi
	if [ "$(git_tree rev-parse HEAD)" != "${rec_head:-}" ] || tree_dirty; then
		die "patches/ changed, and build/linux also has commits or edits not in patches/.
Export them first ('make patches'), or discard them ('git -C build/linux reset --hard $base_tag'
then 'make tree'), so that nothing is lost."
	fi
	local head
	head=$(apply_series) || exit 1
	# Only files that differ between the old and new series are rewritten,
	# so make rebuilds just what the change touches.
	git_tree reset -q --hard "$head"
	record_state
	say "build/linux updated to patches/ ($(series_files | wc -l) patch(es))"
}

# Fills the cover letter that format-patch wrote from
# patches/cover-letter.txt and keeps it as 0000-cover-letter.eml, a mail
# for git send-email that is not a patch of the series: its first line is
# the subject, the rest the text. Author and date are the tip's, so that
# an export of the same commits writes the same file.
write_cover_letter() {
	local letter="$patches/0000-cover-letter.patch" txt="$patches/cover-letter.txt"
	local date author
	date=$(git_tree log -1 --format=%aD HEAD)
	author=$(git_tree log -1 --format='%an <%ae>' HEAD)
	awk -v txt="$txt" -v date="$date" -v author="$author" '
		BEGIN {
			getline subject <txt
			while ((getline line <txt) > 0) body = body line "\n"
			sub(/^\n+/, "", body); sub(/\n+$/, "", body)
		}
		/^From: / { print "From: " author; from = 1; next }
		from && /^ / { next }
		{ from = 0 }
		/^Date: / { print "Date: " date; next }
		{ gsub(/\*\*\* SUBJECT HERE \*\*\*/, subject) }
		/^\*\*\* BLURB HERE \*\*\*$/ { print body; next }
		{ print }
	' "$letter" >"${letter%.patch}.eml" && rm -f "$letter"
}

cmd_export() {
	[ -d "$tree/.git" ] || die "no build/linux yet: run 'make tree' first"
	if tree_dirty; then
		say "WARNING: build/linux has uncommitted changes; they are NOT exported:"
		git_tree status --short --untracked-files=no | sed 's/^/  /'
	fi
	mkdir -p "$patches"
	rm -f "$patches"/*.patch
	local cover=()
	[ -f "$patches/cover-letter.txt" ] && cover=(--cover-letter)
	git_tree format-patch -q --zero-commit --no-signature --abbrev=12 \
		"${cover[@]}" -o "$patches" "$base_tag"..HEAD
	rm -f "$patches/0000-cover-letter.eml"
	[ ${#cover[@]} -eq 0 ] || write_cover_letter
	(cd "$patches" && ls -1 -- *.patch 2>/dev/null || true) >"$patches/series"
	record_state
	say "exported $(series_files | wc -l) patch(es) to patches/"
}

cmd_status() {
	[ -d "$tree/.git" ] || { say "no build/linux yet"; return; }
	local rec_digest rec_head
	read -r rec_digest rec_head <"$(state_file)" 2>/dev/null || true
	say "base: $(git_tree log -1 --format=%s "$base_tag")"
	say "commits on base: $(git_tree rev-list --count "$base_tag"..HEAD); patches in series: $(series_files | wc -l)"
	[ "$(series_digest)" = "${rec_digest:-}" ] || say "patches/ changed since build/linux was synced"
	[ "$(git_tree rev-parse HEAD)" = "${rec_head:-}" ] || say "build/linux has commits not exported"
	tree_dirty && say "build/linux has uncommitted changes"
	return 0
}

case "${1:-}" in
sync) cmd_sync ;;
export) cmd_export ;;
status) cmd_status ;;
*) die "usage: kernel/tree.sh sync|export|status" ;;
esac
