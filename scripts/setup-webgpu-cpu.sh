#!/usr/bin/env bash
# Installs Mesa's software Vulkan driver (lavapipe) from Debian's bookworm-backports suite so that
# WebGPU (Dawn, the `webgpu` npm package) finds an adapter on a machine without a GPU. The adapter is
# slow (a few GFLOP/s on the CPU) but correct: the project uses it to test every WebGPU kernel.
#
# Idempotent; needs root and apt (Debian 12 "bookworm" or a derivative using Debian's mirrors).
# Debian 12's own Mesa 22 is refused by Dawn; Mesa 25 from bookworm-backports works.
#
#   sudo scripts/setup-webgpu-cpu.sh          # install (or confirm) the driver
#   scripts/setup-webgpu-cpu.sh --check       # say whether it is installed; exit 0 if so, 1 if not
set -euo pipefail

say() { echo "setup-webgpu-cpu: $*"; }
ICD=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json

installed() {
  # Mesa >= 23 from backports ships lavapipe that Dawn accepts; Debian 12's own is 22.x.
  local v
  v=$(dpkg-query -W -f='${Status} ${Version}' mesa-vulkan-drivers 2>/dev/null || true)
  [[ "$v" == "install ok installed "* ]] || return 1
  v=${v#install ok installed }
  v=${v#*:}
  [[ "${v%%.*}" -ge 23 ]]
}

if [[ "${1:-}" == "--check" ]]; then
  if installed; then say "installed: mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"; exit 0; fi
  say "not installed (run this script as root without --check)"; exit 1
fi

if installed; then
  say "already installed: mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers); nothing to do"
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then say "must run as root (it adds an apt source and installs a package)"; exit 2; fi
if ! command -v apt-get >/dev/null; then say "apt-get not found: this script is for Debian 12 (bookworm)"; exit 2; fi
. /etc/os-release
if [[ "${VERSION_CODENAME:-}" != bookworm ]]; then
  say "this machine is ${PRETTY_NAME:-unknown}, not Debian 12 (bookworm): install Mesa >= 23's mesa-vulkan-drivers (lavapipe) with your package manager instead"
  exit 2
fi

# The backports suite, on the same mirror as the machine's existing Debian entries.
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  mirror=$(grep -rhoE '^(URIs:|deb) +[^ ]*/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | head -1 | awk '{print $2}' || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  say "adding bookworm-backports ($mirror) to /etc/apt/sources.list.d/vjepa-bookworm-backports.sources"
  cat > /etc/apt/sources.list.d/vjepa-bookworm-backports.sources <<SRC
Types: deb
URIs: $mirror
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
say "apt-get update"
apt-get update -qq
say "installing mesa-vulkan-drivers (lavapipe) and the Vulkan loader from bookworm-backports"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
installed || { say "install finished but mesa-vulkan-drivers >= 23 is not installed"; exit 1; }
say "done: mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers); WebGPU now finds the adapter 'llvmpipe' (software)"
