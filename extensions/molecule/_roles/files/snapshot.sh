#!/bin/sh
# Fingerprint of what arc_proxy, arc_tls and arc_firewall can change on a lab host, one line per item, sorted
# where the order is not meaningful. Compared before and after a check-mode run.
export LC_ALL=C
nft -s list ruleset 2>/dev/null
find /etc /opt /var/opt /usr/local/bin -xdev -type f ! -name '*.pyc' 2>/dev/null | sort | xargs -r sha256sum
find /etc /opt /var/opt -xdev -type d 2>/dev/null | sort
for log in /var/log/arclab-*.log; do [ -f "$log" ] && sha256sum "$log"; done
if [ -d /run/systemd/system ]; then
  systemctl show -p Id -p InvocationID -p ActiveState himdsd gcad extd arcready-egress ufw firewalld 2>/dev/null
  systemctl list-unit-files --no-legend 2>/dev/null | sort
fi
