package io.cacstreams.devstack;

import io.cacstreams.runtime.Errors;
import kafka.server.BrokerServer;
import kafka.server.SharedServer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.test.JaasUtils;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.network.SocketServerConfigs;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;

/**
 * A real Kafka broker (KRaft, Kafka's own {@code KafkaClusterTestKit}) inside this JVM, for {@code demo} and the
 * integration tests. Node 0 is a combined broker+controller; with {@link Builder#brokers(int) more brokers} the others
 * are broker-only. Internal topics get a replication factor of min(3, brokers).
 *
 * <p>What the test kit allows, and so what this class offers:
 * <ul>
 *   <li><b>Data directory.</b> A temporary one, deleted on close, by default. With {@link Builder#dataDir(Path)} the
 *       directory is kept, and a later run on the same directory starts on the same data (the broker's whole
 *       state: topics and records, which the integration test checks, and likewise consumer offsets and SCRAM users):
 *       the storage is formatted only on first use. Ports are new on each start. A data directory remembers its
 *       cluster id and broker count; starting it with another broker count is refused.</li>
 *   <li><b>Restarts.</b> {@link #stopBroker}, {@link #startBroker} and {@link #restartBroker} shut a broker down and
 *       start the same broker again on the same data and the same port (the kit re-binds it), so clients reconnect
 *       by themselves. The controller of node 0 stays up meanwhile.</li>
 *   <li><b>Security.</b> PLAINTEXT, or {@link Builder#sasl() SASL_PLAINTEXT} on both broker and controller listeners.
 *       The kit's SASL mode is PLAIN with fixed users ({@value #ADMIN_USER} is a super user) from a JAAS file that it
 *       writes and installs JVM-wide ({@code java.security.auth.login.config}); it also turns on the standard
 *       authorizer, so other users need ACLs or {@link Builder#superUser}. SCRAM-SHA-256/512 users are added on top
 *       with {@link Builder#scramUser} (created through the Admin API once the broker is up). SSL is not supported by
 *       the kit (4.3).</li>
 *   <li><b>Listeners.</b> Every broker and controller listener binds 127.0.0.1 only (also after a
 *       {@link #restartBroker restart}), and is advertised as such; {@link #bootstrapServers()} names them
 *       {@code localhost}. Other machines cannot connect. The kit itself would bind all interfaces: see
 *       {@code releaseWildcardSockets} for how this class avoids that.</li>
 * </ul>
 * The metadata version is the latest production one (the kit's own default is the in-development one), and unstable
 * API and feature versions are off.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

    /** The kit's built-in PLAIN super user. */
    public static final String ADMIN_USER = JaasUtils.KAFKA_PLAIN_ADMIN;
    public static final String ADMIN_PASSWORD = JaasUtils.KAFKA_PLAIN_ADMIN_PASSWORD;
    private static final String MARKER = "cac-embedded-kafka.properties";
    private static final String JAAS_PROPERTY = "java.security.auth.login.config";
    private static final String LOOPBACK = "127.0.0.1";
    private static final String BROKER_LISTENER = "EXTERNAL";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    private final KafkaClusterTestKit kit;
    private final Path dataDir;
    private final boolean keepData;
    private final boolean sasl;
    private final Duration startupTime;
    private final String jaasFile;

    private EmbeddedKafka(KafkaClusterTestKit kit, Path dataDir, boolean keepData, boolean sasl, Duration startupTime,
                          String jaasFile) {
        this.kit = kit;
        this.dataDir = dataDir;
        this.keepData = keepData;
        this.sasl = sasl;
        this.startupTime = startupTime;
        this.jaasFile = jaasFile;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** One broker, temporary data, PLAINTEXT. */
    public static EmbeddedKafka start() {
        return builder().start();
    }

    public static final class Builder {
        private int brokers = 1;
        private Path dataDir;
        private boolean sasl;
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();
        private final Map<String, String> scramUsers = new LinkedHashMap<>();
        private final List<String> superUsers = new ArrayList<>();
        private ScramMechanism scramMechanism = ScramMechanism.SCRAM_SHA_256;

        private Builder() {
        }

        /** 1 (default) to 9 brokers. */
        public Builder brokers(int count) {
            if (count < 1 || count > 9) throw new IllegalArgumentException("brokers must be between 1 and 9, was " + count);
            this.brokers = count;
            return this;
        }

        /** A directory kept after close and reused by the next start; null (default) for a temporary one. */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** SASL_PLAINTEXT listeners with the kit's PLAIN users (see the class comment). */
        public Builder sasl() {
            this.sasl = true;
            return this;
        }

        /** A SCRAM user (implies {@link #sasl()}); made a super user so that it needs no ACLs. */
        public Builder scramUser(String user, String password) {
            sasl();
            scramUsers.put(user, password);
            superUsers.add(user);
            return this;
        }

        /** SCRAM-SHA-256 (default) or SCRAM-SHA-512 for {@link #scramUser} users. */
        public Builder scramMechanism(ScramMechanism mechanism) {
            this.scramMechanism = mechanism;
            return this;
        }

        /** A principal ({@code User:<name>}) allowed everything under SASL. */
        public Builder superUser(String user) {
            superUsers.add(user);
            return this;
        }

        /** Any broker setting, applied last (overrides the defaults set here). */
        public Builder brokerProperty(String key, String value) {
            brokerProperties.put(key, value);
            return this;
        }

        /** Formats (first use only), starts and waits until every broker is ready. */
        public EmbeddedKafka start() {
            long t0 = System.nanoTime();
            boolean keep = dataDir != null;
            Path dir = null;
            KafkaClusterTestKit kit = null;
            String jaasBefore = System.getProperty(JAAS_PROPERTY);
            try {
                dir = keep ? dataDir.toAbsolutePath() : Files.createTempDirectory("cac-kafka-");
                Files.createDirectories(dir);
                String clusterId = clusterIdFor(dir, brokers);
                TestKitNodes nodes = new TestKitNodes.Builder(productionMetadata())
                        .setCombined(true)
                        .setNumControllerNodes(1)
                        .setNumBrokerNodes(brokers)
                        .setBaseDirectory(dir)
                        .setClusterId(clusterId)
                        .setBrokerListenerName(new ListenerName(BROKER_LISTENER))
                        .setControllerListenerName(new ListenerName(CONTROLLER_LISTENER))
                        .setBrokerSecurityProtocol(sasl ? SecurityProtocol.SASL_PLAINTEXT : SecurityProtocol.PLAINTEXT)
                        .setControllerSecurityProtocol(sasl ? SecurityProtocol.SASL_PLAINTEXT : SecurityProtocol.PLAINTEXT)
                        .setPerServerProperties(loopbackListeners(brokers))
                        .build();
                KafkaClusterTestKit.Builder kb = new KafkaClusterTestKit.Builder(nodes).setDeleteOnClose(!keep);
                defaults().forEach(kb::setConfigProp);
                brokerProperties.forEach(kb::setConfigProp);
                kit = kb.build();
                boolean fresh = !Files.exists(dir.resolve(MARKER));
                if (fresh) {
                    formatQuietly(kit);
                    writeMarker(dir, clusterId, brokers);
                }
                releaseWildcardSockets(kit);
                kit.startup();
                kit.waitForReadyBrokers();
                String jaas = sasl ? System.getProperty(JAAS_PROPERTY) : null;
                EmbeddedKafka kafka = new EmbeddedKafka(kit, dir, keep, sasl, Duration.ofNanos(System.nanoTime() - t0),
                        jaas != null && !jaas.equals(jaasBefore) ? jaas : null);
                kafka.addScramUsers(scramUsers, scramMechanism);
                log.info("embedded Kafka ({} broker(s), {}) at {} started in {} ms, data in {}", brokers,
                        sasl ? "SASL_PLAINTEXT" : "PLAINTEXT", kit.bootstrapServers(), kafka.startupTime.toMillis(),
                        fresh ? dir + " (new)" : dir + " (reused)");
                return kafka;
            } catch (Exception e) {
                if (kit != null) {
                    try {
                        kit.close();
                    } catch (Exception suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                if (e instanceof InterruptedException) Thread.currentThread().interrupt();
                throw new EmbeddedKafkaException("cannot start the embedded Kafka broker"
                        + (dir == null ? "" : " in " + dir) + ": " + Errors.rootMessage(e), e);
            }
        }

        /**
         * {@code listeners} of each node on 127.0.0.1 (the kit's default is {@code localhost}); node 0 is the combined
         * broker+controller. Per node, since a broker-only node must not list the controller listener.
         */
        private static Map<Integer, Map<String, String>> loopbackListeners(int brokers) {
            Map<Integer, Map<String, String>> perNode = new TreeMap<>();
            for (int id = 0; id < brokers; id++) {
                String listeners = BROKER_LISTENER + "://" + LOOPBACK + ":0"
                        + (id == 0 ? "," + CONTROLLER_LISTENER + "://" + LOOPBACK + ":0" : "");
                perNode.put(id, Map.of(SocketServerConfigs.LISTENERS_CONFIG, listeners));
            }
            return perNode;
        }

        private Map<String, String> defaults() {
            int rf = Math.min(3, brokers);
            String minIsr = Integer.toString(Math.max(1, rf - 1));
            Map<String, String> p = new LinkedHashMap<>();
            p.put("offsets.topic.replication.factor", Integer.toString(rf));
            p.put("transaction.state.log.replication.factor", Integer.toString(rf));
            p.put("transaction.state.log.min.isr", minIsr);
            p.put("default.replication.factor", Integer.toString(rf));
            p.put("min.insync.replicas", minIsr);
            p.put("group.initial.rebalance.delay.ms", "0");
            p.put("auto.create.topics.enable", "false");
            // a restarted broker re-registers only once its previous session has expired: keep that short
            p.put("broker.session.timeout.ms", "3000");
            p.put("broker.heartbeat.interval.ms", "500");
            p.put("unstable.api.versions.enable", "false");
            p.put("unstable.feature.versions.enable", "false");
            if (sasl) {
                String mechanisms = "PLAIN," + scramMechanism.mechanismName();
                p.put("sasl.enabled.mechanisms", mechanisms);
                String scramModule = "org.apache.kafka.common.security.scram.ScramLoginModule required;";
                p.put("listener.name." + BROKER_LISTENER.toLowerCase() + "."
                        + scramMechanism.mechanismName().toLowerCase() + ".sasl.jaas.config", scramModule);
                List<String> supers = new ArrayList<>();
                supers.add("User:" + ADMIN_USER);
                for (String u : superUsers) supers.add(u.startsWith("User:") ? u : "User:" + u);
                p.put("super.users", String.join(";", supers));
            }
            return p;
        }
    }

    /**
     * Kafka's storage formatter prints two lines on System.out, which belongs to the command's own output (a
     * topology, a report): they go to the debug log instead. System.out is swapped JVM-wide for the fraction of a
     * second that formatting takes, so anything another thread prints meanwhile goes to the debug log too.
     */
    private static void formatQuietly(KafkaClusterTestKit kit) throws Exception {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            kit.format();
        } finally {
            System.setOut(out);
            captured.toString(StandardCharsets.UTF_8).lines().forEach(line -> log.debug("format: {}", line));
        }
    }

    /**
     * Makes every listener bind 127.0.0.1 instead of all interfaces. {@code KafkaClusterTestKit.Builder.build()}
     * reserves each node's port up front ({@code PreboundSocketFactoryManager.getOrCreatePortForListener}), with a
     * socket bound to {@code new InetSocketAddress(0)}, the wildcard address, and its socket factory hands that open
     * socket to the node's listener whatever address the {@code listeners} setting names. Only when that socket is
     * already closed (the kit's path for a restarted node) does the factory bind a new one, at the listener's
     * configured host and the same port. So: take each pre-bound socket from the node's factory (the same call the
     * listener would make) and close it; at startup, and at every broker restart, the listener then binds
     * {@link #LOOPBACK}, as {@link #loopbackListeners} configures, on the port the kit reserved. Called after
     * formatting (which does not need the sockets) and before startup. Between the close and the listener's bind,
     * a fraction of a second, another process could take the port; startup would then fail with "Address already
     * in use", as a restart by the kit itself would.
     */
    private static void releaseWildcardSockets(KafkaClusterTestKit kit) throws IOException {
        Map<SharedServer, List<String>> reserved = new LinkedHashMap<>();
        kit.controllers().values().forEach(c -> reserved.computeIfAbsent(c.sharedServer(), s -> new ArrayList<>())
                .add(CONTROLLER_LISTENER));
        kit.brokers().values().forEach(b -> reserved.computeIfAbsent(b.sharedServer(), s -> new ArrayList<>())
                .add(BROKER_LISTENER));
        InetSocketAddress loopback = new InetSocketAddress(LOOPBACK, 0);
        for (var e : reserved.entrySet()) {
            for (String listener : e.getValue()) {
                e.getKey().socketFactory().openServerSocket(listener, loopback, -1, -1).close();
            }
        }
    }

    private static BootstrapMetadata productionMetadata() {
        MetadataVersion mv = MetadataVersion.latestProduction();
        Map<String, Short> features = new TreeMap<>();
        for (Feature f : Feature.PRODUCTION_FEATURES) {
            features.put(f.featureName(), f.defaultLevel(mv));
        }
        return BootstrapMetadata.fromVersions(mv, features, "cac-streams embedded Kafka");
    }

    private static String clusterIdFor(Path dir, int brokers) throws IOException {
        Path marker = dir.resolve(MARKER);
        if (!Files.exists(marker)) {
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalStateException(dir + " is not empty and was not made by the embedded broker");
                }
            }
            return org.apache.kafka.common.Uuid.randomUuid().toString();
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(marker, StandardCharsets.UTF_8)) {
            p.load(in);
        }
        String had = p.getProperty("brokers");
        if (!Integer.toString(brokers).equals(had)) {
            throw new IllegalStateException(dir + " holds the data of " + had + " broker(s), not " + brokers
                    + "; use another data directory or delete it");
        }
        return p.getProperty("cluster.id");
    }

    private static void writeMarker(Path dir, String clusterId, int brokers) throws IOException {
        Properties p = new Properties();
        p.setProperty("cluster.id", clusterId);
        p.setProperty("brokers", Integer.toString(brokers));
        try (Writer out = Files.newBufferedWriter(dir.resolve(MARKER), StandardCharsets.UTF_8)) {
            p.store(out, "data directory of cac-streams' embedded Kafka broker");
        }
    }

    private void addScramUsers(Map<String, String> users, ScramMechanism mechanism) throws Exception {
        if (users.isEmpty()) return;
        List<UserScramCredentialAlteration> upserts = new ArrayList<>();
        users.forEach((u, pw) -> upserts.add(new UserScramCredentialUpsertion(u, new ScramCredentialInfo(mechanism, 4096), pw)));
        try (Admin admin = admin()) {
            admin.alterUserScramCredentials(upserts).all().get();
        }
    }

    /** {@code localhost:port,...} of the brokers that are up. */
    public String bootstrapServers() {
        return kit.bootstrapServers();
    }

    /**
     * What a client needs to connect: {@code bootstrap.servers}, and under SASL the security protocol, mechanism and
     * JAAS config of the built-in admin user.
     */
    public Map<String, String> clientProperties() {
        Map<String, String> p = new TreeMap<>();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        if (sasl) {
            p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, SecurityProtocol.SASL_PLAINTEXT.name);
            p.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
            p.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.plain.PlainLoginModule required"
                    + " username=\"" + ADMIN_USER + "\" password=\"" + ADMIN_PASSWORD + "\";");
        }
        return p;
    }

    /** What a client needs to connect as a {@link Builder#scramUser SCRAM user}. */
    public Map<String, String> clientProperties(String scramUser, String password, ScramMechanism mechanism) {
        if (!sasl) throw new IllegalStateException("this broker was not started with SASL");
        Map<String, String> p = clientProperties();
        p.put(SaslConfigs.SASL_MECHANISM, mechanism.mechanismName());
        p.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required"
                + " username=\"" + scramUser + "\" password=\"" + password + "\";");
        return p;
    }

    /** An Admin client as the admin user; the caller closes it. */
    public Admin admin() {
        return Admin.create(new TreeMap<String, Object>(clientProperties()));
    }

    /** From the start of {@link Builder#start()} to every broker being ready. */
    public Duration startupTime() {
        return startupTime;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The port of every listener, broker and controller, of the nodes that are up. */
    Set<Integer> listenerPorts() {
        Set<Integer> ports = new TreeSet<>();
        kit.brokers().values().forEach(b -> ports.add(b.boundPort(ListenerName.normalised(BROKER_LISTENER))));
        kit.controllers().values().forEach(c -> ports.add(
                c.socketServer().boundPort(ListenerName.normalised(CONTROLLER_LISTENER))));
        return ports;
    }

    public Set<Integer> brokerIds() {
        return kit.brokers().keySet();
    }

    /** Creates the topics that do not exist yet (replication factor: the broker default); existing ones are left. */
    public void createTopics(int partitions, String... names) {
        List<NewTopic> topics = new ArrayList<>();
        for (String n : names) topics.add(new NewTopic(n, java.util.Optional.of(partitions), java.util.Optional.empty()));
        createTopics(topics);
    }

    /** Creates the topics that do not exist yet; existing ones are left as they are. */
    public void createTopics(Collection<NewTopic> topics) {
        try (Admin admin = admin()) {
            var results = admin.createTopics(topics).values();
            for (var e : results.entrySet()) {
                try {
                    e.getValue().get();
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw new EmbeddedKafkaException("cannot create topic " + e.getKey() + ": "
                                + Errors.rootMessage(ex), ex);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException("interrupted while creating topics", e);
        }
    }

    /** Shuts broker {@code id} down (controlled shutdown); its data stays. */
    public void stopBroker(int id) {
        broker(id).shutdown();
        log.info("embedded Kafka broker {} stopped", id);
    }

    /** Starts a {@link #stopBroker stopped} broker again on the same data and port, and waits until it is ready. */
    public void startBroker(int id) {
        broker(id).startup();
        try {
            kit.waitForReadyBrokers();
        } catch (ExecutionException e) {
            throw new EmbeddedKafkaException("broker " + id + " did not become ready: " + Errors.rootMessage(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException("interrupted while waiting for broker " + id, e);
        }
        log.info("embedded Kafka broker {} started", id);
    }

    public void restartBroker(int id) {
        stopBroker(id);
        startBroker(id);
    }

    private BrokerServer broker(int id) {
        BrokerServer b = kit.brokers().get(id);
        if (b == null) throw new IllegalArgumentException("no broker " + id + "; brokers are " + brokerIds());
        return b;
    }

    /** Stops every node; deletes the data unless it was a {@link Builder#dataDir kept directory}. */
    @Override
    public void close() {
        try {
            kit.close();
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException("error while stopping the embedded Kafka broker: " + Errors.rootMessage(e), e);
        } finally {
            if (jaasFile != null) {
                try {
                    Files.deleteIfExists(Path.of(jaasFile));
                } catch (IOException ignored) {
                    // a temporary file; nothing else to do
                }
                if (jaasFile.equals(System.getProperty(JAAS_PROPERTY))) System.clearProperty(JAAS_PROPERTY);
            }
        }
        log.info("embedded Kafka stopped{}", keepData ? ", data kept in " + dataDir : "");
    }

    /** The broker could not be started, stopped or used. */
    public static final class EmbeddedKafkaException extends RuntimeException {
        public EmbeddedKafkaException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
