package io.cacstreams.generator;

import io.cacstreams.config.TopicNames;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.kafka.clients.producer.Producer;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * How fast, and from which seed, the default synthetic market is produced (the {@code demo} and {@code generate}
 * flags).
 *
 * @param speed           simulated seconds per real second (28800: one simulated day every 3 s)
 * @param eventsPerSecond rate cap
 * @param seed            same seed, same events
 */
public record MarketPace(double speed, int eventsPerSecond, long seed) {

    /** A paced runner of the default market, starting {@code startDaysAgo} days before today (UTC). */
    public GeneratorRunner runner(Producer<String, byte[]> producer, SchemaRegistryClient registry, TopicNames topics,
                                  int startDaysAgo, SyntheticMarket.Options faults, long maxHours) {
        SyntheticMarket market = new SyntheticMarket(seed,
                Instant.now().truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(startDaysAgo)), topics,
                ChannelProfile.defaults(), faults);
        return new GeneratorRunner(producer, market, new EventEncoder(registry, seed), speed, eventsPerSecond, maxHours);
    }
}
