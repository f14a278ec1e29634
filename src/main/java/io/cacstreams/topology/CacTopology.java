package io.cacstreams.topology;

import io.cacstreams.config.AppConfig;
import io.cacstreams.events.Churn;
import io.cacstreams.events.Conversion;
import io.cacstreams.events.FxRate;
import io.cacstreams.events.Lead;
import io.cacstreams.events.MarketingSpend;
import io.cacstreams.internal.ChannelFact;
import io.cacstreams.internal.ChannelPartial;
import io.cacstreams.internal.CustomerEvent;
import io.cacstreams.query.MetricsViewTopology;
import io.cacstreams.serde.AvroCodec;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;

import java.util.Map;
import java.util.Properties;

/**
 * The cac-streams topology, a pure function of configuration (and the registry its serdes talk to):
 * <pre>
 *  marketing-spend ─ decode-spend ─┐ (by channel, bucket)                  (by channel)
 *  leads ─────────── decode-leads ─┴─ bucket-counts: ids, partials ───┐                    ┌─ channel-metrics
 *  conversions ─ decode ─┐ (by customerId)                             ├─ channel-metrics ─┤
 *  churn ─────── decode ─┴─ customer-table: customers, partials ──────┘                    └─ channel-alerts
 *  fx-rates ─ global versioned store, read by every decode step
 *  every step ─ bad records ─ cac-dead-letter
 * </pre>
 * Each decode step also sends PROGRESS markers (its partition's clock) down the same paths, and each stateful stage
 * passes its watermark on, so the channel stage knows which buckets are settled (see {@link Settling}).
 */
public final class CacTopology {
    private CacTopology() {
    }

    public static Topology build(AppConfig config, SchemaRegistryClient registry) {
        return build(config, registry, TopologyObserver.NONE);
    }

    public static Topology build(AppConfig config, SchemaRegistryClient registry, TopologyObserver observer) {
        return new CacTopology.Builder(config, registry, observer).build();
    }

    private static final class Builder {
        private final AppConfig config;
        private final SchemaRegistryClient registry;
        private final TopologyObserver observer;
        private final Topics topics;
        private final StreamsBuilder builder;

        Builder(AppConfig config, SchemaRegistryClient registry, TopologyObserver observer) {
            this.config = config;
            this.registry = registry;
            this.observer = observer;
            this.topics = Topics.of(config, registry);
            this.builder = new StreamsBuilder(topologyConfig(config));
        }

        /** Refuses to build if any state store, changelog or repartition topic would get a generated name (KIP-1111). */
        private static TopologyConfig topologyConfig(AppConfig config) {
            Properties p = new Properties();
            p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
            p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().getOrDefault("bootstrap.servers", "unused:9092"));
            p.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
            return new TopologyConfig(new StreamsConfig(p));
        }

        Topology build() {
            builder.addGlobalStore(StoreFactory.fxRates(config), topics.fxRates().name(),
                    topics.fxRates().consumed("fx-rates"), () -> new FxRateUpdater(codec(FxRate.class), observer));

            KStream<String, ChannelFact> spend = facts(decode("spend", topics.spend(), MarketingSpend.class,
                    new InputRulesFor.Spend(), StoreNames.SPEND_CLOCK, true), "spend", StoreNames.SPEND_FACTS);
            KStream<String, ChannelFact> leads = facts(decode("leads", topics.leads(), Lead.class,
                    new InputRulesFor.Leads(), StoreNames.LEADS_CLOCK, true), "leads", StoreNames.LEAD_FACTS);
            KStream<String, Routed> buckets = spend.merge(leads, Named.as("bucket-facts-merge"))
                    .process(BucketProcessor.supplier(config, observer), Named.as("bucket-counts"));
            KStream<String, ChannelPartial> bucketPartials = partials(deadLetters(buckets, "bucket-counts"),
                    "bucket", StoreNames.BUCKET_PARTIALS_BY_CHANNEL);

            KStream<String, CustomerEvent> conversions = customerEvents(decode("conversions", topics.conversions(),
                    Conversion.class, new InputRulesFor.Conversions(), StoreNames.CONVERSIONS_CLOCK, false),
                    "conversions", StoreNames.CONVERSIONS_BY_CUSTOMER);
            KStream<String, CustomerEvent> churns = customerEvents(decode("churn", topics.churn(), Churn.class,
                    new InputRulesFor.Churns(), StoreNames.CHURN_CLOCK, false), "churn", StoreNames.CHURN_BY_CUSTOMER);
            KStream<String, Routed> customers = conversions.merge(churns, Named.as("customer-events-merge"))
                    .process(CustomerProcessor.supplier(config, observer), Named.as("customer-table"));
            KStream<String, ChannelPartial> customerPartials = partials(deadLetters(customers, "customer-table"),
                    "customer", StoreNames.CUSTOMER_PARTIALS_BY_CHANNEL);

            KStream<String, Routed> out = bucketPartials
                    .merge(customerPartials, Named.as("channel-partials-merge"))
                    .process(ChannelMetricsProcessor.supplier(config, observer), Named.as("channel-metrics"));
            Map<String, KStream<String, Routed>> outputs = out.split(Named.as("emitted-"))
                    .branch((k, v) -> v instanceof Routed.Metric, Branched.as("metrics"))
                    .branch((k, v) -> v instanceof Routed.Alert, Branched.as("alerts"))
                    .noDefaultBranch();
            outputs.get("emitted-metrics")
                    .mapValues(v -> ((Routed.Metric) v).metrics(), Named.as("metrics-values"))
                    .to(topics.metrics().name(), topics.metrics().produced("metrics-sink"));
            outputs.get("emitted-alerts")
                    .mapValues(v -> ((Routed.Alert) v).alert(), Named.as("alerts-values"))
                    .to(topics.alerts().name(), topics.alerts().produced("alerts-sink"));

            // the query API's state, from the two outputs above (a sub-topology of its own; see MetricsViewTopology)
            MetricsViewTopology.addTo(builder, config, registry);
            return builder.build();
        }

        private <T extends SpecificRecord> KStream<String, Routed> decode(String name, Topic<byte[], byte[]> topic,
                                                                           Class<T> type, InputRules<T> rules,
                                                                           String clockStore, boolean lateApplies) {
            KStream<String, Routed> decoded = builder.stream(topic.name(), topic.consumed(name + "-source"))
                    .process(InputProcessor.supplier(codec(type), rules, clockStore, lateApplies, config, observer),
                            Named.as("decode-" + name));
            return deadLetters(decoded, "decode-" + name);
        }

        /** Sends the dead letters of {@code stream} to the dead-letter topic and returns the rest. */
        private KStream<String, Routed> deadLetters(KStream<String, Routed> stream, String name) {
            Map<String, KStream<String, Routed>> split = stream.split(Named.as(name + "-"))
                    .branch((k, v) -> v instanceof Routed.Dead, Branched.as("dead"))
                    .defaultBranch(Branched.as("ok"));
            split.get(name + "-dead")
                    .map((k, v) -> KeyValue.pair(((Routed.Dead) v).key(), ((Routed.Dead) v).letter()),
                            Named.as(name + "-dead-letter"))
                    .to(topics.deadLetter().name(), topics.deadLetter().produced(name + "-dead-letter-sink"));
            return split.get(name + "-ok");
        }

        /** Spend and leads by (channel, bucket); markers to every partition. */
        private KStream<String, ChannelFact> facts(KStream<String, Routed> ok, String name, String repartition) {
            return ok.mapValues(v -> ((Routed.Fact) v).fact(), Named.as(name + "-facts"))
                    .repartition(Repartitioned.<String, ChannelFact>as(repartition)
                            .withKeySerde(Serdes.String()).withValueSerde(StoreFactory.serde(ChannelFact.class))
                            .withNumberOfPartitions(config.state().repartitionPartitions())
                            .withStreamPartitioner(Markers.FACTS));
        }

        /** Conversions and churns by customerId; markers to every partition. */
        private KStream<String, CustomerEvent> customerEvents(KStream<String, Routed> ok, String name,
                                                              String repartition) {
            return ok.mapValues(v -> ((Routed.Customer) v).event(), Named.as(name + "-customer-events"))
                    .repartition(Repartitioned.<String, CustomerEvent>as(repartition)
                            .withKeySerde(Serdes.String()).withValueSerde(StoreFactory.serde(CustomerEvent.class))
                            .withNumberOfPartitions(config.state().repartitionPartitions())
                            .withStreamPartitioner(Markers.CUSTOMER_EVENTS));
        }

        /** Partials by channel (and ALL); markers to every partition. */
        private KStream<String, ChannelPartial> partials(KStream<String, Routed> ok, String name,
                                                         String repartition) {
            return ok.mapValues(v -> ((Routed.Partial) v).partial(), Named.as(name + "-partials"))
                    .repartition(Repartitioned.<String, ChannelPartial>as(repartition)
                            .withKeySerde(Serdes.String()).withValueSerde(StoreFactory.serde(ChannelPartial.class))
                            .withNumberOfPartitions(config.state().repartitionPartitions())
                            .withStreamPartitioner(Markers.PARTIALS));
        }

        private <T extends SpecificRecord> AvroCodec<T> codec(Class<T> type) {
            return new AvroCodec<>(registry, type, false, false);
        }
    }
}
