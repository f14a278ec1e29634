package io.cacstreams.topology;

import io.cacstreams.config.AppConfig;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.events.DeadLetter;
import io.cacstreams.serde.RegistryAvroSerde;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Every external topic of cac-streams with its serdes. Inputs are read as raw bytes so that a record that is not
 * valid Confluent-wire-format Avro reaches the dead-letter topic with its original bytes instead of failing the
 * consumer; they are decoded (with the registry) by the topology itself.
 */
public record Topics(Topic<byte[], byte[]> spend, Topic<byte[], byte[]> leads, Topic<byte[], byte[]> conversions,
                     Topic<byte[], byte[]> churn, Topic<byte[], byte[]> fxRates,
                     Topic<String, ChannelMetrics> metrics, Topic<String, ChannelAlert> alerts,
                     Topic<byte[], DeadLetter> deadLetter) {

    public static Topics of(AppConfig config, SchemaRegistryClient registry) {
        var names = config.topics();
        boolean register = config.registry().autoRegister();
        return new Topics(raw(names.spend()), raw(names.leads()), raw(names.conversions()), raw(names.churn()),
                raw(names.fxRates()),
                new Topic<>(names.metrics(), Serdes.String(),
                        new RegistryAvroSerde<>(registry, ChannelMetrics.class, false, register)),
                new Topic<>(names.alerts(), Serdes.String(),
                        new RegistryAvroSerde<>(registry, ChannelAlert.class, false, register)),
                new Topic<>(names.deadLetter(), Serdes.ByteArray(),
                        new RegistryAvroSerde<>(registry, DeadLetter.class, false, register)));
    }

    private static Topic<byte[], byte[]> raw(String name) {
        return new Topic<>(name, Serdes.ByteArray(), Serdes.ByteArray());
    }
}
