#!/bin/bash
# AppArmor against the packaged podshim in the VM, in one ssh command: every check prints one
# "key=value" line (AppArmorOnModernNodeTest asserts on them); nothing here decides pass or fail.
# usage: apparmor-checks.sh IMAGE
set -u
IMG=$1
C="crictl --runtime-endpoint unix:///run/podshim/podshim.sock --timeout 120s"
say() { printf '%s=%s\n' "$1" "$(echo "$2" | tr '\n' ' ' | sed 's/ *$//')"; }

say default_loaded "$(grep -c '^podshim-default (enforce)$' /sys/kernel/security/apparmor/profiles)"
# a Localhost profile of the test's: any write refused; signals from runc and crun (the default on this node) let it be stopped
apparmor_parser -r <<'EOF'
profile podshim-e2e-deny-write flags=(attach_disconnected) {
  file,
  signal (receive) peer=runc,
  signal (receive) peer=crun,
  signal (receive) peer=unconfined,
  deny /** w,
}
EOF
say localhost_load $?
say status "$($C info -o json | tr -d ' \n' | grep -o '"apparmor":{[^}]*}')"
$C pull "$IMG" >/dev/null 2>&1 || say pull_failed "$($C pull "$IMG" 2>&1)"

cat > /root/aa-pod.json <<'EOF'
{"metadata": {"name": "aa", "namespace": "default", "uid": "aa-uid", "attempt": 0},
 "log_directory": "/var/log/pods/aa", "linux": {}}
EOF
POD=$($C runp /root/aa-pod.json)

# create NAME SECURITY_CONTEXT_JSON: prints the id, or crictl's error
create() {
  cat > "/root/aa-$1.json" <<EOF
{"metadata": {"name": "$1"}, "image": {"image": "$IMG"}, "command": ["sleep", "3600"],
 "log_path": "$1.log", "linux": {"security_context": $2}}
EOF
  $C create "$POD" "/root/aa-$1.json" /root/aa-pod.json 2>/root/aa-err || { cat /root/aa-err; return 1; }
}
# run NAME SECURITY_CONTEXT_JSON: created and started; prints the id
run() {
  local id
  id=$(create "$@") && $C start "$id" >/dev/null && echo "$id"
}
label() {
  cat "/proc/$($C inspect -o go-template --template '{{.info.pid}}' "$1")/attr/current"
}
# in NAME's container: "ok", or the error the command printed
in_ctr() {
  local id=$1; shift
  out=$($C exec "$id" sh -c "{ $*; } 2>&1 && echo ok" 2>/dev/null)
  echo "$out" | tail -1
}
MOUNT_CAPS='"capabilities": {"add_capabilities": ["SYS_ADMIN"]}'
MOUNT='mkdir -p /tmp/m && mount -t tmpfs none /tmp/m'

d=$(run runtime-default "{\"apparmor\": {\"profile_type\": 0}, $MOUNT_CAPS}")
say runtime_default_label "$(label "$d")"
say runtime_default_mount "$(in_ctr "$d" "$MOUNT")"
say runtime_default_tmp_write "$(in_ctr "$d" 'touch /tmp/x')"
# the OCI runtime (confined as "runc" on Debian 13) must be able to signal it: stop ends it
$C stop --timeout 2 "$d" >/dev/null 2>&1
say runtime_default_stopped "$($C inspect -o go-template --template '{{.status.state}}' "$d")"

u=$(run unset "{$MOUNT_CAPS}")
say unset_label "$(label "$u")"

n=$(run unconfined "{\"apparmor\": {\"profile_type\": 1}, $MOUNT_CAPS}")
say unconfined_label "$(label "$n")"
say unconfined_mount "$(in_ctr "$n" "$MOUNT")"

# privileged: no profile by default; podshim-default asked for by name denies what /proc and /sys allow it
p=$(run privileged '{"privileged": true}')
say privileged_label "$(label "$p")"
# /sys is read-only even when privileged: a read the profile denies, of what only masking hides otherwise
SYS_READ='cat /sys/firmware/memmap/0/type'
# kernel/hostname, not sysrq: the /proc/sys/kernel rule lets through names starting with "s"
PROC_WRITE='cat /proc/sys/kernel/hostname > /proc/sys/kernel/hostname'
say privileged_sys_read "$(in_ctr "$p" "$SYS_READ")"
say privileged_proc_write "$(in_ctr "$p" "$PROC_WRITE")"
pd=$(run privileged-default '{"privileged": true, "apparmor": {"profile_type": 2, "localhost_ref": "podshim-default"}}')
say privileged_default_label "$(label "$pd")"
say privileged_default_sys_read "$(in_ctr "$pd" "$SYS_READ")"
say privileged_default_proc_write "$(in_ctr "$pd" "$PROC_WRITE")"

l=$(run localhost '{"apparmor_profile": "localhost/podshim-e2e-deny-write"}')
say localhost_label "$(label "$l")"
say localhost_tmp_write "$(in_ctr "$l" 'touch /tmp/x')"

say unloaded "$(create unloaded '{"apparmor": {"profile_type": 2, "localhost_ref": "not-loaded"}}')"
say bad_name "$(create bad-name '{"apparmor_profile": "localhost/../../etc/passwd"}')"

$C stopp "$POD" >/dev/null 2>/root/aa-err && $C rmp "$POD" >/dev/null 2>>/root/aa-err
say pod_removed "$? $(tail -1 /root/aa-err)"
