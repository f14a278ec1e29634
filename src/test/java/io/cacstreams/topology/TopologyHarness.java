package io.cacstreams.topology;

import io.cacstreams.config.AppConfig;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.events.Churn;
import io.cacstreams.events.Conversion;
import io.cacstreams.events.DeadLetter;
import io.cacstreams.events.FxRate;
import io.cacstreams.events.Lead;
import io.cacstreams.events.MarketingSpend;
import io.cacstreams.events.SpendCategory;
import io.cacstreams.serde.AvroCodec;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/** Runs the real topology in a TopologyTestDriver with a mock registry; events in with explicit event times. */
final class TopologyHarness implements AutoCloseable {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final Instant WALL_CLOCK = T0.plus(Duration.ofDays(3650));
    private static final AtomicLong IDS = new AtomicLong();

    final AppConfig config;
    final TopologyTestDriver driver;
    private final SchemaRegistryClient registry;
    private final Topics topics;
    private final Map<String, TestInputTopic<byte[], byte[]>> inputs = new HashMap<>();
    private final TestOutputTopic<String, ChannelMetrics> metricsOut;
    private final TestOutputTopic<String, ChannelAlert> alertsOut;
    private final TestOutputTopic<byte[], DeadLetter> deadOut;
    private final Path stateDir;
    final List<ChannelMetrics> metrics = new ArrayList<>();
    final List<ChannelAlert> alerts = new ArrayList<>();
    final List<DeadLetter> dead = new ArrayList<>();

    TopologyHarness(Map<String, String> settings) {
        String scope = "harness-" + UUID.randomUUID();
        Map<String, String> all = new LinkedHashMap<>();
        all.put("cac.registry.url", "mock://" + scope);
        all.put("cac.state.in.memory", "true");
        all.putAll(settings);
        all.putIfAbsent("cac.repartition.partitions", "1");
        all.putIfAbsent("cac.spend.partitions", "1");
        all.putIfAbsent("cac.leads.partitions", "1");
        all.putIfAbsent("cac.conversions.partitions", "1");
        all.putIfAbsent("cac.churn.partitions", "1");
        all.putIfAbsent("cac.idle.timeout", "1s");
        this.config = AppConfig.from(all);
        this.registry = SchemaRegistryClient.create(config.registry());
        this.topics = Topics.of(config, registry);
        try {
            this.stateDir = Files.createTempDirectory("cac-ttd");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "cac-test-" + IDS.incrementAndGet());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        // wall-clock time far after the events, which are then never "in the future" (cac.max.future.skew)
        this.driver = new TopologyTestDriver(CacTopology.build(config, registry), p, WALL_CLOCK);
        for (Topic<byte[], byte[]> t : List.of(topics.spend(), topics.leads(), topics.conversions(), topics.churn(),
                topics.fxRates())) {
            inputs.put(t.name(), driver.createInputTopic(t.name(), t.keySerde().serializer(), t.valueSerde().serializer()));
        }
        metricsOut = driver.createOutputTopic(topics.metrics().name(), topics.metrics().keySerde().deserializer(),
                topics.metrics().valueSerde().deserializer());
        alertsOut = driver.createOutputTopic(topics.alerts().name(), topics.alerts().keySerde().deserializer(),
                topics.alerts().valueSerde().deserializer());
        deadOut = driver.createOutputTopic(topics.deadLetter().name(), topics.deadLetter().keySerde().deserializer(),
                topics.deadLetter().valueSerde().deserializer());
    }

    TopologyHarness() {
        this(Map.of());
    }

    SchemaRegistryClient registry() {
        return registry;
    }

    static Instant day(double days) {
        return T0.plusMillis((long) (days * 86_400_000L));
    }

    static BigDecimal money(double v) {
        return BigDecimal.valueOf(v).setScale(4, RoundingMode.HALF_EVEN);
    }

    static String id() {
        return "e-" + IDS.incrementAndGet();
    }

    <T extends SpecificRecord> void send(String topic, T event) {
        @SuppressWarnings("unchecked")
        Class<T> type = (Class<T>) event.getClass();
        byte[] bytes = new AvroCodec<>(registry, type, false, true).encode(topic, event);
        raw(topic, bytes);
    }

    void raw(String topic, byte[] value) {
        inputs.get(topic).pipeInput(null, value);
        drain();
    }

    void spend(String channel, double amount, String currency, Instant at) {
        spend(id(), channel, amount, currency, at);
    }

    void spend(String eventId, String channel, double amount, String currency, Instant at) {
        send(config.topics().spend(), MarketingSpend.newBuilder().setEventId(eventId).setChannel(channel)
                .setAmount(money(amount)).setCurrency(currency).setCategory(SpendCategory.MEDIA).setOccurredAt(at)
                .build());
    }

    void lead(String channel, Integer quality, Instant at) {
        send(config.topics().leads(), Lead.newBuilder().setEventId(id()).setLeadId(id()).setChannel(channel)
                .setQualityScore(quality).setOccurredAt(at).build());
    }

    void conversion(String customerId, String channel, double monthlyRevenue, String currency, Double margin,
                    Instant at) {
        conversion(id(), customerId, channel, monthlyRevenue, currency, margin, at);
    }

    void conversion(String eventId, String customerId, String channel, double monthlyRevenue, String currency,
                    Double margin, Instant at) {
        send(config.topics().conversions(), Conversion.newBuilder().setEventId(eventId).setCustomerId(customerId)
                .setChannel(channel).setMonthlyRevenue(money(monthlyRevenue)).setCurrency(currency)
                .setGrossMargin(margin).setOccurredAt(at).build());
    }

    void churn(String customerId, Instant at) {
        send(config.topics().churn(), Churn.newBuilder().setEventId(id()).setCustomerId(customerId)
                .setOccurredAt(at).build());
    }

    void fx(String currency, String rate, Instant validFrom) {
        send(config.topics().fxRates(), FxRate.newBuilder().setCurrency(currency)
                .setRateToReporting(new BigDecimal(rate).setScale(10, RoundingMode.HALF_EVEN))
                .setValidFrom(validFrom).build());
    }

    /** Moves the event-time clocks to {@code at} with a spend of 0 on a channel of its own (no figure changes). */
    void tick(Instant at) {
        spend("zz-tick", 0, "USD", at);
    }

    /** Advances wall-clock time by one emit interval: every stage sends the markers of what changed since its last. */
    void emit() {
        driver.advanceWallClockTime(config.emitInterval().plus(Duration.ofMillis(1)));
        drain();
    }

    /**
     * Advances wall-clock time by two emit intervals: every input partition has been silent for longer than the
     * harness' idle timeout (1 s), so everything read is settled up to the grace, and the snapshot that follows the
     * settled records shows the rest.
     */
    void flush() {
        driver.advanceWallClockTime(config.emitInterval().plus(Duration.ofMillis(1)));
        driver.advanceWallClockTime(config.emitInterval().plus(Duration.ofMillis(1)));
        drain();
    }

    private void drain() {
        metrics.addAll(metricsOut.readValuesToList());
        alerts.addAll(alertsOut.readValuesToList());
        dead.addAll(deadOut.readValuesToList());
    }

    /** The latest metrics record of (channel, window). */
    ChannelMetrics latest(String channel, int days) {
        for (int i = metrics.size() - 1; i >= 0; i--) {
            ChannelMetrics m = metrics.get(i);
            if (m.getChannel().equals(channel) && m.getWindowDays() == days) return m;
        }
        throw new AssertionError("no metrics for " + channel + " over " + days + "d");
    }

    List<ChannelAlert> alertsFor(String channel, int days) {
        return alerts.stream().filter(a -> a.getChannel().equals(channel) && a.getWindowDays() == days).toList();
    }

    @Override
    public void close() {
        driver.close();
        registry.close();
        try (var walk = Files.walk(stateDir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException ignored) {
            // best effort: a temp dir
        }
    }
}
