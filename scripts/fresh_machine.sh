#!/usr/bin/env bash
# Checks the README's promise that its two commands work on a fresh Debian 12 machine: builds a
# bare Debian 12 root (debootstrap, minbase: not even python3 or g++), copies the committed
# tree of this checkout into it and runs, inside it as root, `scripts/test.sh` and
# `scripts/lab.sh`. Each of them has to install what it needs; a package missing from
# scripts/setup.sh fails here even when this machine, which has it, passes.
#
#   sudo bash scripts/fresh_machine.sh [--root DIR] [--keep] [test|lab ...]
#
# Default: both commands, root /srv/podwall-fresh, removed at the end (--keep leaves it, so a
# second run skips debootstrap and the package downloads). Needs network access to the Debian
# mirror this machine's apt uses, ~4 GB of disk and 30-45 minutes. The lab's namespaces and
# veths are the host kernel's: this is the testbed's normal traffic, cleaned up as usual.
set -euo pipefail
cd "$(dirname "$0")/.."

root=/srv/podwall-fresh
keep=0
commands=()
while (($#)); do
  case $1 in
    --root) root=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    test|lab) commands+=("$1"); shift ;;
    *) echo "fresh_machine: unknown argument $1" >&2; exit 2 ;;
  esac
done
((${#commands[@]})) || commands=(test lab)

if [[ $(id -u) -ne 0 ]]; then
  echo "fresh_machine: needs root (debootstrap, chroot, mounts)" >&2
  exit 2
fi
if ! command -v debootstrap >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

# Each mount this script makes, innermost first (also those a run that died left behind).
unmount_all() {
  local m status=0
  for m in "$root/run" "$root/dev" "$root/sys" "$root/proc" "$root"; do
    if mountpoint -q "$m"; then umount -R "$m" || status=1; fi
  done
  return $status
}
finish() {
  if ! unmount_all; then
    echo "fresh_machine: could not unmount everything under $root; left in place" >&2
  elif ((keep == 0)); then
    rm -rf --one-file-system "$root"
  fi
}
trap finish EXIT

if [[ ! -x $root/usr/bin/apt-get ]]; then
  echo "fresh_machine: debootstrap bookworm into $root"
  mirror=$(awk '/^URIs:/ {print $2; exit} /^deb / {print $2; exit}' \
    /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null || true)
  debootstrap --variant=minbase bookworm "$root" "${mirror:-http://deb.debian.org/debian}" \
    >/dev/null
fi
# The host's apt sources (its mirror, security and updates), as a machine set up here has.
rm -f "$root/etc/apt/sources.list"
cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/" 2>/dev/null ||
  cp /etc/apt/sources.list "$root/etc/apt/sources.list"
cp /etc/resolv.conf "$root/etc/resolv.conf"

# `ip netns exec` remounts / as a slave: the new root has to be a mount point of its own.
unmount_all
mount --bind "$root" "$root"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys"
mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev"
mount -t tmpfs tmpfs "$root/run"

# The committed tree only, as a clean clone would have it.
rm -rf "$root/root/podwall"
mkdir -p "$root/root/podwall"
git archive HEAD | tar -x -C "$root/root/podwall"
echo "fresh_machine: $(git rev-parse --short HEAD) copied to $root/root/podwall"

status=0
for command in "${commands[@]}"; do
  echo "=== fresh machine: bash scripts/$command.sh"
  if ! chroot "$root" /bin/bash -c "cd /root/podwall && bash scripts/$command.sh"; then
    echo "fresh_machine: scripts/$command.sh FAILED on the fresh root" >&2
    status=1
  fi
done
exit $status
