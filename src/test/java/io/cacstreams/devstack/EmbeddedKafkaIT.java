package io.cacstreams.devstack;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmbeddedKafkaIT {

    @Test
    void transactionalWriteIsReadCommitted() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            System.out.println("embedded Kafka (1 broker, temporary data) started in "
                    + kafka.startupTime().toMillis() + " ms");
            assertThat(kafka.bootstrapServers()).startsWith("localhost:");
            kafka.createTopics(3, "tx-topic");
            kafka.createTopics(3, "tx-topic"); // idempotent

            // two producers: on a 4.3 broker, one producer's commit right after its own abort can race the abort's
            // completion ("state is COMPLETE_ABORT, but received transaction marker result to send: COMMIT")
            try (KafkaProducer<String, String> producer = transactionalProducer(kafka.clientProperties())) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("tx-topic", "k1", "aborted"));
                producer.abortTransaction();
            }
            try (KafkaProducer<String, String> producer = transactionalProducer(kafka.clientProperties())) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("tx-topic", "k1", "committed"));
                producer.commitTransaction();
            }
            assertThat(readCommitted(kafka.clientProperties(), "tx-topic", 1)).containsExactly("committed");
        }
    }

    @Test
    void keptDataDirectoryIsReusedByTheNextStart(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("kafka");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(data).start()) {
            kafka.createTopics(1, "kept");
            produce(kafka.clientProperties(), "kept", "first run");
        }
        assertThat(data.resolve("cac-embedded-kafka.properties")).exists();
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(data).start()) {
            System.out.println("embedded Kafka restarted on kept data in " + kafka.startupTime().toMillis() + " ms");
            produce(kafka.clientProperties(), "kept", "second run");
            assertThat(readCommitted(kafka.clientProperties(), "kept", 2)).containsExactly("first run", "second run");
        }
        assertThatThrownBy(() -> EmbeddedKafka.builder().dataDir(data).brokers(3).start())
                .hasMessageContaining("holds the data of 1 broker(s), not 3");
    }

    @Test
    void restartedBrokerKeepsItsDataAndPort() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopics(1, "restart");
            String before = kafka.bootstrapServers();
            produce(kafka.clientProperties(), "restart", "before");
            long t0 = System.nanoTime();
            kafka.restartBroker(0);
            System.out.println("embedded Kafka broker restart took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            assertThat(kafka.bootstrapServers()).isEqualTo(before);
            produce(kafka.clientProperties(), "restart", "after");
            assertThat(readCommitted(kafka.clientProperties(), "restart", 2)).containsExactly("before", "after");
        }
    }

    @Test
    void everyListenerBindsLoopbackOnlyAlsoAfterARestart() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().brokers(2).start()) {
            Set<Integer> ports = kafka.listenerPorts();
            assertThat(ports).hasSize(3); // broker 0 + its controller, broker 1
            assertLoopbackOnly(ports);
            kafka.restartBroker(0);
            kafka.restartBroker(1);
            assertThat(kafka.listenerPorts()).isEqualTo(ports);
            assertLoopbackOnly(ports);
            kafka.createTopics(1, "loopback");
            produce(kafka.clientProperties(), "loopback", "still reachable on localhost");
        }
    }

    /**
     * Every listening socket of this JVM on {@code ports}, as the kernel lists it in /proc/net/tcp and tcp6, has a
     * loopback local address; and a connection through each non-loopback IPv4 address of the machine is refused.
     */
    private static void assertLoopbackOnly(Set<Integer> ports) throws IOException {
        Map<Integer, List<InetAddress>> bound = listeningSocketsOfThisJvm();
        for (int port : ports) {
            assertThat(bound.get(port)).as("listening sockets on port %d", port).isNotEmpty()
                    .allSatisfy(a -> assertThat(a.isLoopbackAddress()).as("%s:%d is loopback", a, port).isTrue());
        }
        for (InetAddress external : nonLoopbackIpv4Addresses()) {
            for (int port : ports) {
                try (Socket s = new Socket()) {
                    assertThatThrownBy(() -> s.connect(new InetSocketAddress(external, port), 2000))
                            .as("connect to %s:%d", external, port).isInstanceOf(ConnectException.class);
                }
            }
        }
    }

    /** Local addresses of the LISTEN sockets owned by this process, by port (Linux /proc). */
    private static Map<Integer, List<InetAddress>> listeningSocketsOfThisJvm() throws IOException {
        Set<String> inodes = new HashSet<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) inodes.add(target.substring(8, target.length() - 1));
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        Map<Integer, List<InetAddress>> out = new HashMap<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (!f[3].equals("0A") || !inodes.contains(f[9])) continue; // 0A: TCP_LISTEN
                String[] local = f[1].split(":");
                out.computeIfAbsent(Integer.parseInt(local[1], 16), p -> new ArrayList<>()).add(procAddress(local[0]));
            }
        }
        return out;
    }

    /** /proc/net/tcp{,6} hex: 32-bit words, each in the host's (little-endian) byte order. */
    private static InetAddress procAddress(String hex) throws IOException {
        byte[] bytes = new byte[hex.length() / 2];
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int b = 0; b < 4; b++) {
                int at = word * 8 + (3 - b) * 2;
                bytes[word * 4 + b] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        return InetAddress.getByAddress(bytes);
    }

    private static List<InetAddress> nonLoopbackIpv4Addresses() throws IOException {
        List<InetAddress> out = new ArrayList<>();
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp()) continue;
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress()) out.add(a);
            }
        }
        return out;
    }

    @Test
    void threeBrokersReplicateInternalTopicsAndSurviveABrokerStop() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().brokers(3).start()) {
            System.out.println("embedded Kafka (3 brokers) started in " + kafka.startupTime().toMillis() + " ms");
            assertThat(kafka.brokerIds()).containsExactlyInAnyOrder(0, 1, 2);
            kafka.createTopics(2, "three");
            try (Admin admin = kafka.admin()) {
                var desc = admin.describeTopics(List.of("three")).allTopicNames().get().get("three");
                assertThat(desc.partitions()).allSatisfy(p -> assertThat(p.replicas()).hasSize(3));
            }
            kafka.stopBroker(2);
            produce(kafka.clientProperties(), "three", "while 2 is down");
            kafka.startBroker(2);
            assertThat(readCommitted(kafka.clientProperties(), "three", 1)).containsExactly("while 2 is down");
        }
    }

    @Test
    void saslWithPlainAdminAndScramUser() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().scramUser("cac", "cac-secret").start()) {
            assertThat(kafka.clientProperties()).containsEntry("security.protocol", "SASL_PLAINTEXT");
            kafka.createTopics(1, "secured");
            Map<String, String> scram = kafka.clientProperties("cac", "cac-secret", ScramMechanism.SCRAM_SHA_256);
            produce(scram, "secured", "over scram");
            assertThat(readCommitted(scram, "secured", 1)).containsExactly("over scram");

            Map<String, String> wrong = kafka.clientProperties("cac", "wrong", ScramMechanism.SCRAM_SHA_256);
            try (Admin admin = Admin.create(new HashMap<String, Object>(wrong))) {
                assertThatThrownBy(() -> admin.listTopics().names().get())
                        .isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(SaslAuthenticationException.class);
            }
        }
    }

    private static KafkaProducer<String, String> transactionalProducer(Map<String, String> client) {
        Map<String, Object> p = new HashMap<>(client);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "it-" + UUID.randomUUID());
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static void produce(Map<String, String> client, String topic, String value) {
        try (KafkaProducer<String, String> producer = transactionalProducer(client)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", value));
            producer.commitTransaction();
        }
    }

    private static List<String> readCommitted(Map<String, String> client, String topic, int expected) {
        Map<String, Object> p = new HashMap<>(client);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) values.add(r.value());
            }
            // a little longer, to see that nothing unexpected (an aborted record) follows
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) values.add(r.value());
        }
        return values;
    }
}
