package io.cacstreams.query;

import io.cacstreams.config.TopicNames;
import io.cacstreams.events.Churn;
import io.cacstreams.events.Conversion;
import io.cacstreams.events.Lead;
import io.cacstreams.events.MarketingSpend;
import io.cacstreams.events.SpendCategory;
import io.cacstreams.serde.AvroCodec;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A small deterministic market for the dashboard test: channels with a customer base, daily spend, leads,
 * conversions and churns, written in event-time order (one partition per input topic, so no event is LATE) with the
 * project's serde, as producers would.
 */
final class MarketFeed implements AutoCloseable {
    static final Instant T0 = Instant.parse("2026-09-01T00:00:00Z");

    /** A channel's daily economics; {@code conversionsFromDropDay} applies from {@code dropDay} on. */
    record Profile(String channel, int dailySpend, int conversionsPerDay, int revenue, int churnEveryDays,
                   int dropDay, int conversionsFromDropDay) {
        static Profile steady(String channel, int dailySpend, int conversionsPerDay, int revenue, int churnEveryDays) {
            return new Profile(channel, dailySpend, conversionsPerDay, revenue, churnEveryDays, Integer.MAX_VALUE,
                    conversionsPerDay);
        }
    }

    private record Event(Instant at, String topic, String key, byte[] value) {
    }

    private final TopicNames topics;
    private final KafkaProducer<String, byte[]> producer;
    private final Map<Class<?>, AvroCodec<?>> codecs = new HashMap<>();
    // every event is encoded when added, so that send() only sends
    private final SchemaRegistryClient registry;
    private final List<Event> events = new ArrayList<>();
    private long ids;

    MarketFeed(String bootstrap, SchemaRegistryClient registry, TopicNames topics) {
        this.topics = topics;
        this.registry = registry;
        this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 5),
                new StringSerializer(), new ByteArraySerializer());
    }

    static Instant day(double days) {
        return T0.plusMillis(Math.round(days * 86_400_000L));
    }

    /** A base of {@code base} customers acquired on day 0, then {@code days} days of the profile's economics. */
    MarketFeed channel(Profile p, int base, int days) {
        List<String> customers = new ArrayList<>();
        for (int i = 0; i < base; i++) customers.add(convert(p.channel(), p.revenue(), day(i / (double) base)));
        int churned = 0;
        for (int d = 1; d <= days; d++) {
            if (p.dailySpend() > 0) {
                for (int h = 2; h < 24; h += 6) spend(p.channel(), p.dailySpend() / 4, day(d + h / 24.0));
            }
            int conversions = d >= p.dropDay() ? p.conversionsFromDropDay() : p.conversionsPerDay();
            for (int i = 0; i < conversions; i++) {
                Instant at = day(d + (i + 0.5) / (conversions + 1.0));
                lead(p.channel(), at.minusSeconds(600));
                convert(p.channel(), p.revenue(), at);
            }
            if (d % p.churnEveryDays() == 0) churn(customers.get(churned++), day(d + 0.9));
        }
        return this;
    }

    String convert(String channel, int revenue, Instant at) {
        String customer = channel + "-c" + (++ids);
        add(at, topics.conversions(), customer, Conversion.newBuilder().setEventId("conv-" + ids)
                .setCustomerId(customer).setChannel(channel).setMonthlyRevenue(money(revenue)).setCurrency("USD")
                .setOccurredAt(at).build());
        return customer;
    }

    /** Returns the event id. */
    String spend(String channel, int amount, Instant at) {
        String id = "spend-" + (++ids);
        add(at, topics.spend(), channel, MarketingSpend.newBuilder().setEventId(id)
                .setChannel(channel).setAmount(money(amount)).setCurrency("USD").setCategory(SpendCategory.MEDIA)
                .setOccurredAt(at).build());
        return id;
    }

    void lead(String channel, Instant at) {
        add(at, topics.leads(), channel, Lead.newBuilder().setEventId("lead-" + (++ids)).setLeadId("l" + ids)
                .setChannel(channel).setQualityScore(60).setOccurredAt(at).build());
    }

    void churn(String customer, Instant at) {
        add(at, topics.churn(), customer, Churn.newBuilder().setEventId("churn-" + (++ids)).setCustomerId(customer)
                .setOccurredAt(at).build());
    }

    /** The spend event of {@code eventId} sent again (a producer's retry): a duplicate, dropped and counted. */
    void spendAgain(String eventId, String channel, int amount, Instant at) {
        add(at, topics.spend(), channel, MarketingSpend.newBuilder().setEventId(eventId).setChannel(channel)
                .setAmount(money(amount)).setCurrency("USD").setCategory(SpendCategory.MEDIA).setOccurredAt(at)
                .build());
    }

    /** Bytes that are not the registry's wire format: a dead letter (MALFORMED). */
    void garbage(String topic, Instant at) {
        events.add(new Event(at, topic, "garbage", "not avro".getBytes(StandardCharsets.UTF_8)));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void add(Instant at, String topic, String key, SpecificRecord value) {
        AvroCodec codec = codecs.computeIfAbsent(value.getClass(),
                c -> new AvroCodec<>(registry, (Class) c, false, true));
        events.add(new Event(at, topic, key, codec.encode(topic, value)));
    }

    /** Sends everything added so far, oldest first, and waits for the broker's acknowledgements; returns the count. */
    int send() throws Exception {
        events.sort(Comparator.comparing(Event::at));
        int n = events.size();
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (Event e : events) {
            acks.add(producer.send(new ProducerRecord<>(e.topic(), null, e.at().toEpochMilli(), e.key(), e.value())));
        }
        events.clear();
        producer.flush();
        for (Future<RecordMetadata> ack : acks) ack.get(30, TimeUnit.SECONDS);
        return n;
    }

    private static BigDecimal money(int amount) {
        return BigDecimal.valueOf(amount).setScale(4, RoundingMode.UNNECESSARY);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
