# Beacon on a Java runtime image. Build the archive first (it needs Maven and Node, the image
# does not):   mvn -B -q -DskipTests package && docker build -t beacon .
# Run:         docker run -p 6001:6001 -v beacon-data:/var/lib/beacon \
#                -e BEACON_APPS_0_SECRET=... -e BEACON_APPS_0_ADMIN_KEY=... beacon
# See docs/INSTALL.md.
FROM eclipse-temurin:21-jre

ARG VERSION=0.1.0-SNAPSHOT
# ADD unpacks a local tar.gz
ADD beacon-dist/target/beacon-${VERSION}.tar.gz /opt/
RUN ln -s /opt/beacon-${VERSION} /opt/beacon \
    && useradd --system --home-dir /var/lib/beacon --shell /usr/sbin/nologin beacon \
    && install -d -o beacon -g beacon /var/lib/beacon

USER beacon
WORKDIR /var/lib/beacon
VOLUME /var/lib/beacon
EXPOSE 6001
# bin/beacon execs the JVM: `docker stop` (SIGTERM) starts Beacon's graceful shutdown
ENTRYPOINT ["/opt/beacon/bin/beacon"]
CMD ["--config", "/opt/beacon/conf/beacon.yaml"]
