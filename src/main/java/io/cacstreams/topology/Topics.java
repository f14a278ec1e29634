package io.cacstreams.topology;

import io.cacstreams.config.AppConfig;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.events.DeadLetter;
import io.cacstreams.serde.RegistryAvroSerde;
import io.cacstreams.serde.RegistryException;
import io.cacstreams.serde.RegistryUnavailableException;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.kafka.common.serialization.Serdes;

import java.util.ArrayList;
import java.util.List;

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

    /**
     * Resolves the schema id of every output written through the registry (metrics, alerts, dead letters) now,
     * registering it or (without auto-register) looking it up. The registry client caches each (subject, schema)
     * and its id, and every codec of the same client finds it there, so the topology's serdes encode these outputs
     * without any registry call afterwards, also for an output first written during a registry outage (an alert
     * that fires for the first time, the first dead letter). Otherwise that first write needs the registry, fails the
     * task and holds up everything behind it until the registry is back, although every schema involved is old.
     *
     * <p>Best effort, for the start of the application: returns the problems, empty if every id was resolved. After
     * an outage error the remaining outputs are not tried (each try costs the client's retries); an output left
     * unresolved is resolved on its first write, as before.
     */
    public List<String> resolveOutputSchemas() {
        List<String> problems = new ArrayList<>();
        for (Topic<?, ?> output : List.of(metrics, alerts, deadLetter)) {
            RegistryAvroSerde<?> serde = (RegistryAvroSerde<?>) output.valueSerde();
            try {
                serde.codec().schemaIdFor(output.name());
            } catch (RegistryUnavailableException e) {
                problems.add(output.name() + ": " + e.getMessage());
                break;
            } catch (RegistryException e) {
                problems.add(output.name() + ": " + e.getMessage());
            }
        }
        return problems;
    }

    private static Topic<byte[], byte[]> raw(String name) {
        return new Topic<>(name, Serdes.ByteArray(), Serdes.ByteArray());
    }
}
