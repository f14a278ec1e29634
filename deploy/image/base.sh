#!/usr/bin/env bash
# The base of the cac-streams image, built from Debian packages without a Docker daemon or registry: Debian bookworm
# (debootstrap, minbase) with openjdk-17-jre-headless and the user cac (10001) owning /var/lib/cac-streams, written as
# a `docker save` tar (one layer) that Jib reads as its base (pom.xml, `tar://`). The Debian release and the JRE are
# fixed here; the exact package versions are recorded in the image (/usr/share/cac-streams/base-packages.txt).
# Needs root (debootstrap, chroot), apt sources of a Debian mirror and the debootstrap package (installed if missing).
#   usage: deploy/image/base.sh OUT_DIR     -> OUT_DIR/base.tar
set -euo pipefail
out=${1:?usage: base.sh OUT_DIR}
suite=bookworm
jre=openjdk-17-jre-headless
uid=10001

[ "$(id -u)" = 0 ] || { echo "base.sh: needs root (debootstrap, chroot)" >&2; exit 2; }
if ! command -v debootstrap >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi
# the machine's own Debian mirror, from its apt sources (DEBIAN_MIRROR overrides)
mirror=${DEBIAN_MIRROR:-$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1)}
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
[ -n "$mirror" ] || { echo "base.sh: no Debian mirror in the apt sources; set DEBIAN_MIRROR" >&2; exit 2; }

mkdir -p "$out"
rootfs=$out/rootfs
rm -rf "$rootfs"
# the packages are kept in (and taken again from) the machine's apt cache: a second build downloads nothing
debootstrap --variant=minbase --include="$jre" --cache-dir=/var/cache/apt/archives "$suite" "$rootfs" "$mirror" \
  >"$out/debootstrap.log" 2>&1 \
  || { tail -20 "$out/debootstrap.log" >&2; exit 1; }
chroot "$rootfs" /bin/sh -eu -c "
  groupadd --gid $uid cac
  useradd --uid $uid --gid $uid --no-create-home --home-dir /var/lib/cac-streams --shell /usr/sbin/nologin cac
  install -d -o $uid -g $uid /var/lib/cac-streams
  mkdir -p /usr/share/cac-streams
  dpkg-query -W -f '\${Package} \${Version}\n' > /usr/share/cac-streams/base-packages.txt
  apt-get clean
  rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* /usr/share/info/* /var/log/*.log /var/cache/debconf/*-old
"
java_version=$(sed -n "s/^$jre //p" "$rootfs/usr/share/cac-streams/base-packages.txt")
[ -n "$java_version" ] || { echo "base.sh: $jre is not in the base" >&2; exit 1; }

# one layer (gzip: Jib takes compressed layers as they are), its config and the manifest of `docker save`
layer=$out/layer.tar.gz
diff_id=$(tar --numeric-owner --xattrs -C "$rootfs" -cf - . | tee >(gzip -1 > "$layer") | sha256sum | cut -d' ' -f1)
cat > "$out/config.json" <<JSON
{"architecture":"amd64","os":"linux",
 "config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","LANG=C.UTF-8"],
           "User":"$uid:$uid","WorkingDir":"/",
           "Labels":{"io.cacstreams.base":"debian $suite minbase + $jre $java_version"}},
 "rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]},
 "history":[{"created_by":"deploy/image/base.sh: debootstrap $suite minbase + $jre $java_version"}]}
JSON
echo '[{"Config":"config.json","RepoTags":["cac-streams-base:'"$suite"'"],"Layers":["layer.tar.gz"]}]' > "$out/manifest.json"
tar -C "$out" -cf "$out/base.tar" manifest.json config.json layer.tar.gz
rm -rf "$layer" "$rootfs"
echo "base.sh: $out/base.tar (debian $suite minbase, $jre $java_version)"
