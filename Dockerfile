# leakhound in a container: Debian 12 with the runtime libraries the binary links, and nothing
# to build with. The image is made from the .deb built outside it (no compile in here):
#
#   make build && (cd build && cpack -G DEB)          # build/leakhound_0.1.0_amd64.deb
#   buildah bud --build-arg VERSION=0.1.0 -t registry.example.com/tools/leakhound:0.1.0 .
#   # or: docker build --build-arg VERSION=0.1.0 -t registry.example.com/tools/leakhound:0.1.0 .
#
# BASE is pinned by digest; the maintainers update the digest (and only they: a moved tag would
# change the image silently). Another Debian 12 image can be passed with --build-arg BASE=...
# (tests/packaging/container_test.sh builds on a local debootstrap one).
ARG BASE=debian:12-slim@sha256:90522eeb7e5923ee2b871c639059537b30521272f10ca86fdbbbb2b75a8c40cd
# The Debian packages of the libraries the binary links (objdump -p NEEDED, ldd, dpkg -S: the
# same list as the .deb's Depends, which the first stage checks), and the CA certificates for
# registries. libhyperscan5 exists for amd64 only.
ARG RUNTIME_PACKAGES="ca-certificates libarchive13 libc6 libcurl4 libgcc-s1 libgit2-1.5 libhyperscan5 libisal2 libre2-9 libsqlite3-0 libssl3 libstdc++6 libyaml-cpp0.7 libzstd1 zlib1g"

# ---- stage 1: unpack the .deb, and check that its Depends are all in RUNTIME_PACKAGES ----
FROM ${BASE} AS package
ARG DEB=build/leakhound_*.deb
ARG RUNTIME_PACKAGES
COPY ${DEB} /tmp/deb/
RUN set -eu; \
    set -- /tmp/deb/*.deb; \
    if [ "$#" -ne 1 ] || [ ! -f "$1" ]; then echo "want exactly one leakhound .deb, got: $*" >&2; exit 1; fi; \
    for dep in $(dpkg-deb -f "$1" Depends | tr ',|' '\n\n' | awk '{print $1}'); do \
      case " $RUNTIME_PACKAGES " in \
        *" $dep "*) ;; \
        *) echo "the .deb depends on $dep, which RUNTIME_PACKAGES in the Dockerfile lacks" >&2; exit 1 ;; \
      esac; \
    done; \
    dpkg-deb -x "$1" /out

# ---- stage 2: the image ----
FROM ${BASE}
ARG VERSION=0.1.0
ARG RUNTIME_PACKAGES
ARG BASE
LABEL org.opencontainers.image.title="leakhound" \
      org.opencontainers.image.description="Finds leaked secrets in files, git history and container images" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/OWNER/leakhound" \
      org.opencontainers.image.base.name="${BASE}"
# The runtime libraries, no recommended packages, no apt lists or archives left behind; an
# unprivileged user; and no setuid or setgid file in the final filesystem.
RUN set -eu; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update; \
    apt-get install -y --no-install-recommends $RUNTIME_PACKAGES; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log; \
    useradd --uid 10001 --user-group --home-dir /work --no-create-home --shell /usr/sbin/nologin leakhound; \
    install -d -o 10001 -g 10001 -m 0755 /work; \
    find / -xdev -type f -perm /6000 -exec chmod a-s {} +
# The binary, the man page and the completions; like debian:12-slim (which keeps no
# /usr/share/doc), not the README and rules.md of the .deb, only the licence.
COPY --from=package /out/usr/bin/leakhound /usr/bin/leakhound
COPY --from=package /out/usr/share/man/man1/leakhound.1.gz /usr/share/man/man1/leakhound.1.gz
COPY --from=package /out/usr/share/bash-completion/ /usr/share/bash-completion/
COPY --from=package /out/usr/share/zsh/ /usr/share/zsh/
COPY LICENSE /usr/share/doc/leakhound/copyright
USER 10001:10001
WORKDIR /work
ENTRYPOINT ["leakhound"]
CMD ["--help"]
