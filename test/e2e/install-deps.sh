#!/usr/bin/env bash
# Installs what the Kamailio + SIPp end-to-end suite needs from Debian's own packages, when it is missing:
#   kamailio                 the proxy (tm, sl, rr, dialog, auth, textops, ... are in the base package)
#   kamailio-utils-modules   http_client.so (the call to Tollgate)
#   kamailio-extra-modules   jansson.so (builds the JSON request, reads the decision)
#   sip-tester               SIPp, the caller (UAC) and the carrier side (UAS)
#   sipvicious               svcrack, the digest password cracker attackers use (the brute-force step)
#   chromium                 the browser the console's Playwright tests drive (/usr/bin/chromium; Playwright's own
#                            browser download is not used)
# The Debian package would start a system-wide Kamailio on install; a policy-rc.d that refuses service starts is
# put in place for the install (and removed again if this script created it), and the service this install created
# is stopped and disabled afterwards. The suite runs its own Kamailio processes on loopback only.
set -euo pipefail

PACKAGES=(kamailio kamailio-utils-modules kamailio-extra-modules sip-tester sipvicious chromium)
MODULE_DIR_CANDIDATES=(/usr/lib/x86_64-linux-gnu/kamailio/modules /usr/lib/aarch64-linux-gnu/kamailio/modules /usr/lib/kamailio/modules)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
for package in "${PACKAGES[@]}"; do
  installed "$package" || missing+=("$package")
done
command -v kamailio >/dev/null 2>&1 || missing+=(kamailio)
command -v sipp >/dev/null 2>&1 || missing+=(sip-tester)
command -v svcrack >/dev/null 2>&1 || missing+=(sipvicious)
[ -x /usr/bin/chromium ] || missing+=(chromium)
# de-duplicate
if ((${#missing[@]})); then mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u); fi

if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "install-deps: need root to apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]} with apt-get"
  created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# tollgate e2e: no service starts during package installation\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  cleanup() { if [ "$created_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi; }
  trap cleanup EXIT
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
  if printf '%s\n' "${missing[@]}" | grep -qx kamailio; then installed_kamailio=1; fi
  cleanup
  trap - EXIT
fi

# No system-wide Kamailio from our install: the policy above kept the package from starting it; also stop and disable
# the service in case an init system started it anyway. A Kamailio service that was there before is left alone.
if [ "${installed_kamailio:-0}" = 1 ]; then
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl stop kamailio >/dev/null 2>&1 || true
    systemctl disable kamailio >/dev/null 2>&1 || true
  else
    if [ -x /etc/init.d/kamailio ] && [ -f /run/kamailio/kamailio.pid ]; then /etc/init.d/kamailio stop >/dev/null 2>&1 || true; fi
    if command -v update-rc.d >/dev/null 2>&1; then update-rc.d kamailio disable >/dev/null 2>&1 || true; fi
  fi
fi

module_dir=""
for candidate in "${MODULE_DIR_CANDIDATES[@]}"; do
  if [ -f "$candidate/tm.so" ]; then module_dir="$candidate"; break; fi
done
if [ -z "$module_dir" ]; then
  module_dir="$(dirname "$(dpkg -L kamailio | grep '/tm\.so$' | head -n1)")"
fi
for module in http_client jansson dialog auth tm sl rr; do
  if [ ! -f "$module_dir/$module.so" ]; then
    echo "install-deps: Kamailio module $module.so is missing from $module_dir" >&2
    exit 1
  fi
done
echo "install-deps: $(kamailio -v | head -n1 | sed 's/^version: //'); $(sipp -v 2>&1 | grep -o 'SIPp v[^ ]*' | head -n1); $(/usr/bin/chromium --version 2>/dev/null | head -n1)"
