# The base of the three images when a registry is reachable; the offline path builds the same root
# filesystem with mmdebstrap from packages.txt (deploy/images/build.sh).
FROM debian:bookworm-slim
COPY packages.txt /tmp/packages.txt
RUN apt-get update \
 && grep -v '^#' /tmp/packages.txt | xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/packages.txt
