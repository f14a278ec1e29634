package io.cacstreams.topology;

import io.cacstreams.config.AppConfig;
import io.cacstreams.events.Churn;
import io.cacstreams.events.Conversion;
import io.cacstreams.events.FxRate;
import io.cacstreams.events.Lead;
import io.cacstreams.events.MarketingSpend;
import io.cacstreams.internal.ChannelFact;
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
 *  marketing-spend ─ decode-spend ─┐                                    ┌─ channel-metrics
 *  leads ─────────── decode-leads ─┼─ (by channel) ─ channel-metrics ───┤
 *  conversions ─ decode ─┐         │                                    └─ channel-alerts
 *  churn ─────── decode ─┴─ (by customerId) ─ customers ─ (by channel) ─┘
 *  fx-rates ─ global versioned store, read by every decode step
 *  every step ─ bad records ─ cac-dead-letter
 * </pre>
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
        private final StoreFactory stores;
        private final StreamsBuilder builder;

        Builder(AppConfig config, SchemaRegistryClient registry, TopologyObserver observer) {
            this.config = config;
            this.registry = registry;
            this.observer = observer;
            this.topics = Topics.of(config, registry);
            this.stores = new StoreFactory(config);
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
            builder.addGlobalStore(stores.fxRates(), topics.fxRates().name(), topics.fxRates().consumed("fx-rates"),
                    () -> new FxRateUpdater(codec(FxRate.class), observer));
            stores.addAll(builder);

            KStream<String, ChannelFact> spendFacts = facts(
                    decode("spend", topics.spend(), MarketingSpend.class, new InputRulesFor.Spend(), StoreNames.SPEND_CLOCK),
                    "spend", StoreNames.SPEND_FACTS);
            KStream<String, ChannelFact> leadFacts = facts(
                    decode("leads", topics.leads(), Lead.class, new InputRulesFor.Leads(), StoreNames.LEADS_CLOCK),
                    "leads", StoreNames.LEAD_FACTS);

            KStream<String, CustomerEvent> conversions = customerEvents(
                    decode("conversions", topics.conversions(), Conversion.class, new InputRulesFor.Conversions(), null),
                    "conversions", StoreNames.CONVERSIONS_BY_CUSTOMER, true);
            KStream<String, CustomerEvent> churns = customerEvents(
                    decode("churn", topics.churn(), Churn.class, new InputRulesFor.Churns(), null),
                    "churn", StoreNames.CHURN_BY_CUSTOMER, false);
            KStream<String, Routed> customerOut = conversions.merge(churns, Named.as("customer-events-merge"))
                    .process(() -> new CustomerProcessor(config, observer), Named.as("customer-table"),
                            StoreNames.CUSTOMERS, StoreNames.PENDING_CHURNS, StoreNames.CUSTOMER_DEDUP,
                            StoreNames.CUSTOMER_CLOCK);
            KStream<String, ChannelFact> customerFacts = facts(deadLetters(customerOut, "customer-table"),
                    "customer", StoreNames.CUSTOMER_FACTS);

            KStream<String, Routed> out = spendFacts
                    .merge(leadFacts, Named.as("channel-facts-merge-leads"))
                    .merge(customerFacts, Named.as("channel-facts-merge-customers"))
                    .process(() -> new ChannelMetricsProcessor(config, observer), Named.as("channel-metrics"),
                            StoreNames.CHANNEL_STATE, StoreNames.CHANNEL_BUCKETS, StoreNames.CHANNEL_DEDUP,
                            StoreNames.CHANNEL_CLOCK, StoreNames.ALERT_STATE);
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
                                                                           String clockStore) {
            AvroCodec<T> codec = codec(type);
            KStream<String, Routed> decoded = builder.stream(topic.name(), topic.consumed(name + "-source"))
                    .process(() -> new InputProcessor<>(codec, rules, clockStore, config, observer),
                            Named.as("decode-" + name),
                            clockStore == null ? new String[0] : new String[]{clockStore});
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

        private KStream<String, ChannelFact> facts(KStream<String, Routed> ok, String name, String repartition) {
            return ok.mapValues(v -> ((Routed.Fact) v).fact(), Named.as(name + "-facts"))
                    .repartition(Repartitioned.<String, ChannelFact>as(repartition)
                            .withKeySerde(Serdes.String()).withValueSerde(stores.serde(ChannelFact.class))
                            .withNumberOfPartitions(config.state().repartitionPartitions()));
        }

        /** With {@code progress}, every customer partition also hears how far each input partition was read. */
        private KStream<String, CustomerEvent> customerEvents(KStream<String, Routed> ok, String name,
                                                              String repartition, boolean progress) {
            KStream<String, CustomerEvent> events = ok.mapValues(v -> ((Routed.Customer) v).event(),
                    Named.as(name + "-customer-events"));
            Repartitioned<String, CustomerEvent> by = Repartitioned.<String, CustomerEvent>as(repartition)
                    .withKeySerde(Serdes.String()).withValueSerde(stores.serde(CustomerEvent.class))
                    .withNumberOfPartitions(config.state().repartitionPartitions());
            if (progress) {
                events = events.process(() -> new ConversionProgress(config.topics().conversions(), config.bucket()), Named.as(name + "-progress"));
                by = by.withStreamPartitioner(ConversionProgress.PARTITIONER);
            }
            return events.repartition(by);
        }

        private <T extends SpecificRecord> AvroCodec<T> codec(Class<T> type) {
            return new AvroCodec<>(registry, type, false, false);
        }
    }
}
