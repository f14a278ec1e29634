package io.cacstreams.model;

import io.cacstreams.config.AppConfig;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.events.Churn;
import io.cacstreams.events.Conversion;
import io.cacstreams.events.DeadLetter;
import io.cacstreams.events.FxRate;
import io.cacstreams.events.Lead;
import io.cacstreams.events.MarketingSpend;
import io.cacstreams.serde.AvroCodec;
import io.cacstreams.serde.MockSchemaRegistry;
import io.cacstreams.serde.SchemaRegistryClient;
import io.cacstreams.topology.CacTopology;
import io.cacstreams.topology.Topics;
import io.cacstreams.topology.TopologyObserver;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The real topology in a TopologyTestDriver, driven through its public surface only: {@link CacTopology#build},
 * {@link Topics} and the wire format ({@link AvroCodec}). One instance per run: its own application id, state
 * directory and mock registry scope (dropped on close).
 */
public final class TopologyRun implements AutoCloseable {
    private static final AtomicLong RUNS = new AtomicLong();
    /** A schema id the per-run registry never hands out (ids start at 1 and a run registers a handful). */
    static final int UNKNOWN_SCHEMA_ID = 0x7ff0_0001;
    /**
     * Longer than any scenario's wall-clock time: the order in which the one task runs its punctuators within one
     * advance is not specified, and a partition waking up from idleness mid-run would make it matter.
     */
    static final String IDLE_TIMEOUT = "1000d";
    /** The added optional field of the v2 schemas (MarketingSpend's is the one of src/test/resources/schemas-v2). */
    private static final String V2_FIELD = "placement";

    private final String scope;
    private final Path stateDir;
    private final AppConfig config;
    private final SchemaRegistryClient registry;
    private final TopologyTestDriver driver;
    private final Map<InputTopic, TestInputTopic<byte[], byte[]>> inputs = new EnumMap<>(InputTopic.class);
    private final Map<InputTopic, AvroCodec<? extends SpecificRecord>> codecs = new EnumMap<>(InputTopic.class);
    private final TestOutputTopic<String, ChannelMetrics> metrics;
    private final TestOutputTopic<String, ChannelAlert> alerts;
    private final TestOutputTopic<byte[], DeadLetter> deadLetters;
    private final Map<InputTopic, V2Writer> v2Writers = new EnumMap<>(InputTopic.class);

    public TopologyRun(Map<String, String> cacSettings) {
        this(cacSettings, TopologyObserver.NONE);
    }

    public TopologyRun(Map<String, String> cacSettings, TopologyObserver observer) {
        long n = RUNS.incrementAndGet();
        this.scope = "model-" + ProcessHandle.current().pid() + "-" + n + "-" + System.nanoTime();
        try {
            this.stateDir = Files.createTempDirectory("cac-model-");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Map<String, String> settings = new HashMap<>(cacSettings);
        settings.put("cac.registry.url", "mock://" + scope);
        settings.put("cac.state.in.memory", "true");
        settings.putIfAbsent("cac.repartition.partitions", "1");
        settings.putIfAbsent("cac.spend.partitions", "1");
        settings.putIfAbsent("cac.leads.partitions", "1");
        settings.putIfAbsent("cac.conversions.partitions", "1");
        settings.putIfAbsent("cac.churn.partitions", "1");
        // no partition goes idle during a scenario (see drainIdle): the watermarks are the lowest clocks
        settings.putIfAbsent("cac.idle.timeout", IDLE_TIMEOUT);
        settings.put("application.id", "cac-model-" + n);
        this.config = AppConfig.from(settings);
        this.registry = SchemaRegistryClient.create(config.registry());
        Topics topics = Topics.of(config, registry);

        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        this.driver = new TopologyTestDriver(CacTopology.build(config, registry, observer), props,
                Instant.parse("2100-01-01T00:00:00Z")); // events are never in the future (cac.max.future.skew)

        Serializer<byte[]> bytes = new ByteArraySerializer();
        for (InputTopic t : InputTopic.values()) {
            inputs.put(t, driver.createInputTopic(t.name(config.topics()), bytes, bytes));
        }
        codecs.put(InputTopic.SPEND, new AvroCodec<>(registry, MarketingSpend.class, false, true));
        codecs.put(InputTopic.LEADS, new AvroCodec<>(registry, Lead.class, false, true));
        codecs.put(InputTopic.CONVERSIONS, new AvroCodec<>(registry, Conversion.class, false, true));
        codecs.put(InputTopic.CHURN, new AvroCodec<>(registry, Churn.class, false, true));
        codecs.put(InputTopic.FX, new AvroCodec<>(registry, FxRate.class, false, true));
        Deserializer<String> strings = new StringDeserializer();
        this.metrics = driver.createOutputTopic(topics.metrics().name(), strings, topics.metrics().valueSerde().deserializer());
        this.alerts = driver.createOutputTopic(topics.alerts().name(), strings, topics.alerts().valueSerde().deserializer());
        this.deadLetters = driver.createOutputTopic(topics.deadLetter().name(), topics.deadLetter().keySerde().deserializer(),
                topics.deadLetter().valueSerde().deserializer());
    }

    public AppConfig config() {
        return config;
    }

    public void pipe(ModelInput.Event e) {
        byte[] value = bytes(e.topic(), e.payload());
        byte[] key = key(e.payload());
        inputs.get(e.topic()).pipeInput(new TestRecord<>(key, value, Instant.ofEpochMilli(e.recordTimestamp())));
    }

    /** Advances the wall-clock by the emission interval: every wall-clock punctuation fires once. */
    public void flush() {
        driver.advanceWallClockTime(config.emitInterval());
    }

    /**
     * The end of a scenario: the wall-clock passes the idle timeout twice, so that every input partition is idle
     * (each watermark becomes the highest clock of its sources), every stage has passed that on and a live snapshot
     * of everything has been published.
     */
    public void drainIdle() {
        Duration past = config.state().idleTimeout().plusMillis(1);
        driver.advanceWallClockTime(past);
        driver.advanceWallClockTime(past);
    }

    public List<KeyValue<String, ChannelMetrics>> readMetrics() {
        return metrics.readKeyValuesToList();
    }

    public List<KeyValue<String, ChannelAlert>> readAlerts() {
        return alerts.readKeyValuesToList();
    }

    public List<DeadLetter> readDeadLetters() {
        return deadLetters.readValuesToList();
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private byte[] bytes(InputTopic topic, Payload payload) {
        String name = topic.name(config.topics());
        AvroCodec codec = codecs.get(topic);
        if (payload instanceof Payload.Valid v) {
            return v.v2() ? v2Writers.computeIfAbsent(topic, t -> new V2Writer(name, v.record().getSchema()))
                    .encode(v.record()) : codec.encode(name, v.record());
        }
        Payload.Bad bad = (Payload.Bad) payload;
        return switch (bad.kind()) {
            case WRONG_MAGIC, SHORT -> bad.bytes().clone();
            case UNKNOWN_SCHEMA_ID -> {
                byte[] b = codec.encode(name, bad.basis());
                b[1] = (byte) (UNKNOWN_SCHEMA_ID >>> 24);
                b[2] = (byte) (UNKNOWN_SCHEMA_ID >>> 16);
                b[3] = (byte) (UNKNOWN_SCHEMA_ID >>> 8);
                b[4] = (byte) UNKNOWN_SCHEMA_ID;
                yield b;
            }
            case TRUNCATED -> {
                byte[] b = codec.encode(name, bad.basis());
                int body = b.length - AvroCodec.HEADER_SIZE;
                int keep = Math.floorMod(bad.keep(), body); // 0 .. body-1: at least one byte is cut
                yield Arrays.copyOf(b, AvroCodec.HEADER_SIZE + keep);
            }
        };
    }

    private static byte[] key(Payload payload) {
        SpecificRecord r = payload instanceof Payload.Valid v ? v.record() : null;
        String key;
        if (r instanceof MarketingSpend s) key = s.getChannel();
        else if (r instanceof Lead l) key = l.getChannel();
        else if (r instanceof Conversion c) key = c.getCustomerId();
        else if (r instanceof Churn c) key = c.getCustomerId();
        else if (r instanceof FxRate f) key = f.getCurrency();
        else key = "bad";
        return key.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Writes records with a newer version of their topic's schema, registered under the same subject: the v1 schema
     * plus an optional string field, set (for MarketingSpend the v2 schema of src/test/resources/schemas-v2).
     */
    private final class V2Writer {
        private final Schema v1;
        private final Schema v2;
        private final int id;

        V2Writer(String topic, Schema v1) {
            this.v1 = v1;
            this.v2 = v1.getName().equals("MarketingSpend") ? spendV2() : withOptionalField(v1);
            this.id = registry.register(SchemaRegistryClient.subject(topic, false), v2);
        }

        byte[] encode(SpecificRecord value) {
            try {
                ByteArrayOutputStream v1Bytes = new ByteArrayOutputStream();
                BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(v1Bytes, null);
                new SpecificDatumWriter<SpecificRecord>(v1).write(value, enc);
                enc.flush();
                // read as v2 (the added field takes its default), then set it: the bytes differ beyond the header
                GenericRecord r = new GenericDatumReader<GenericRecord>(v1, v2, GenericData.get())
                        .read(null, DecoderFactory.get().binaryDecoder(v1Bytes.toByteArray(), null));
                r.put(V2_FIELD, "v2-producer");
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.write(AvroCodec.MAGIC_BYTE);
                out.write(ByteBuffer.allocate(4).putInt(id).array());
                BinaryEncoder enc2 = EncoderFactory.get().directBinaryEncoder(out, null);
                new GenericDatumWriter<GenericRecord>(v2, GenericData.get()).write(r, enc2);
                enc2.flush();
                return out.toByteArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static Schema spendV2() {
            try (InputStream in = TopologyRun.class.getResourceAsStream("/schemas-v2/MarketingSpend-v2.avsc")) {
                return new Schema.Parser().parse(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static Schema withOptionalField(Schema v1) {
            List<Schema.Field> fields = new ArrayList<>();
            for (Schema.Field f : v1.getFields()) fields.add(new Schema.Field(f, f.schema()));
            fields.add(new Schema.Field(V2_FIELD, Schema.createUnion(Schema.create(Schema.Type.NULL),
                    Schema.create(Schema.Type.STRING)), "v2: an added optional field", JsonProperties.NULL_VALUE));
            return Schema.createRecord(v1.getName(), v1.getDoc(), v1.getNamespace(), false, fields);
        }
    }

    @Override
    public void close() {
        try {
            driver.close();
        } finally {
            registry.close();
            MockSchemaRegistry.drop(scope);
            try (Stream<Path> files = Files.walk(stateDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temp dir left behind is harmless
            }
        }
    }
}
