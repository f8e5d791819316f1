# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are for the scripts that source this file
# Shared by the image's scripts: paths, brand facts, users, logging.
#
# Every path starts with ${VMS_ROOT}, empty in the container, so a test can
# run the scripts against a temporary root; user changes then go to that
# root's /etc/passwd (usermod --root), never the machine's.

VMS_ROOT=${VMS_ROOT:-}
VMS_LIB=${VMS_LIB:-${VMS_ROOT}/usr/local/lib/vms}
VMS_SHARE=${VMS_ROOT}/usr/local/share/vms
CONFIG_DIR=${VMS_ROOT}/config
FAKEFSTYPE_LIB_PATH=${VMS_ROOT}/usr/local/lib/fakefstype/libfakefstype.so
FAKEFSTYPE_DEFAULTS=${VMS_ROOT}/etc/fakefstype/defaults.conf

vms_log() {
    printf '[vms] %s\n' "$*"
}

vms_die() {
    printf '[vms] error: %s\n' "$*" >&2
    exit 1
}

# The brand facts written at build time: VMS_BRAND, VMS_COMPANY, VMS_NAME,
# VMS_VERSION. Sets VMS_DIR (the install) and VMS_HOME (the user's home).
load_brand() {
    local env=${VMS_SHARE}/brand.env
    [[ -f ${env} ]] || vms_die "${env} is missing: the image was not built by install-server"
    # shellcheck source=/dev/null
    source "${env}"
    VMS_DIR=${VMS_ROOT}/opt/${VMS_COMPANY}/mediaserver
    VMS_HOME=${VMS_ROOT}/home/${VMS_COMPANY}
}

# "4" for a 4.x server, "5" for anything later: the type table it uses.
vms_major() {
    if [[ ${VMS_VERSION} == 4.* ]]; then echo 4; else echo 5; fi
}

# usermod/groupmod/useradd/groupadd acting on ${VMS_ROOT}'s user database.
user_tool() {
    local tool=$1
    shift
    if [[ -n ${VMS_ROOT} ]]; then
        "${tool}" --root "${VMS_ROOT}" "$@"
    else
        "${tool}" "$@"
    fi
}

# A field of a user's /etc/passwd entry (3 = uid, 4 = gid), from ${VMS_ROOT}.
passwd_field() {
    awk -F: -v name="$1" -v field="$2" '$1 == name { print $field; exit }' "${VMS_ROOT}/etc/passwd"
}

# The gid of a group, from ${VMS_ROOT}'s /etc/group.
group_gid() {
    awk -F: -v name="$1" '$1 == name { print $3; exit }' "${VMS_ROOT}/etc/group"
}

# The first of its arguments that is an executable file.
first_executable() {
    local candidate
    for candidate in "$@"; do
        if [[ -x ${candidate} ]]; then
            echo "${candidate}"
            return 0
        fi
    done
    return 1
}

# The root tool, if this version has one.
root_tool() {
    first_executable "${VMS_DIR}/bin/root-tool-bin" "${VMS_DIR}/bin/root-tool"
}

# The server binary by absolute path; the 4.x launcher only when there is
# no mediaserver-bin (fakefstype's exec fix covers a relative start too).
server_binary() {
    first_executable "${VMS_DIR}/bin/mediaserver-bin" "${VMS_DIR}/bin/mediaserver"
}
