package io.cacstreams.cli;

import io.cacstreams.config.TopicNames;
import io.cacstreams.generator.ChannelProfile;
import io.cacstreams.generator.EventEncoder;
import io.cacstreams.generator.GeneratorRunner;
import io.cacstreams.generator.SyntheticMarket;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.kafka.clients.producer.Producer;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** The synthetic market's flags, shared by {@code demo} and {@code generate}, and the runner they make. */
public final class MarketOptions {

    @Option(names = "--speed", defaultValue = "28800",
            description = "Simulated seconds per real second (default ${DEFAULT-VALUE}: one simulated day every 3 s).")
    double speed;

    @Option(names = "--events-per-second", defaultValue = "3000", description = "Rate cap (default ${DEFAULT-VALUE}).")
    int eventsPerSecond;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default ${DEFAULT-VALUE}): same seed, same events.")
    long seed;

    /** A paced runner of the default market, starting {@code startDaysAgo} days before today (UTC). */
    GeneratorRunner runner(Producer<String, byte[]> producer, SchemaRegistryClient registry, TopicNames topics,
                           int startDaysAgo, SyntheticMarket.Options faults, long maxHours) {
        SyntheticMarket market = new SyntheticMarket(seed,
                Instant.now().truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(startDaysAgo)), topics,
                ChannelProfile.defaults(), faults);
        return new GeneratorRunner(producer, market, new EventEncoder(registry, seed), speed, eventsPerSecond, maxHours);
    }
}
