#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Install what Sesame needs to build, test and run its demo (Debian 12,
# as root).  slapd is installed unconfigured: no system directory is
# created or started; the tests and the demo run private instances.
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
        echo "install-deps.sh: run as root (apt-get)" >&2
        exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
packages=(
        # build: libnss_sesame needs libc only; pam_sesame libpam; sesamed
        # libldap, libsodium, liboath, libsystemd; sesamectl libqrencode
        gcc meson ninja-build pkg-config binutils gettext
        libldap2-dev libsodium-dev liboath-dev libsystemd-dev libpam0g-dev
        libqrencode-dev libcmocka-dev
        # sesame-web
        libcurl4-openssl-dev libmicrohttpd-dev
        # tests and demo
        slapd ldap-utils openssl oathtool pamtester libpam-wrapper libnss-wrapper
        openssh-server openssh-client python3-paramiko libpam-modules
        python3 util-linux procps iproute2 coreutils passwd systemd
        # a directory whose packets are dropped (test-blackhole.sh)
        nftables
        # the Debian packages and their install test (tests/install)
        debhelper dpkg-dev lintian
        # sesame-web's tests: an HTTP client and a real SMTP server; a
        # real browser (tests/browser: playwright-core from npm drives
        # Debian's chromium; node 18 of Debian 12 is enough)
        curl python3-aiosmtpd chromium nodejs
        # the German pages' test makes de_DE.UTF-8 with localedef
        locales
)
missing=()
for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Debian's npm, unless the node that is there brought its own (a nodejs
# from elsewhere ships npm inside it and conflicts with Debian's)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
        apt-get update -q
        apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
