package io.cacstreams.cli;

import io.cacstreams.generator.MarketPace;
import picocli.CommandLine.Option;

/** The synthetic market's flags, shared by {@code demo} and {@code generate}. */
public final class MarketOptions {

    @Option(names = "--speed", defaultValue = "28800",
            description = "Simulated seconds per real second (default ${DEFAULT-VALUE}: one simulated day every 3 s).")
    double speed;

    @Option(names = "--events-per-second", defaultValue = "3000", description = "Rate cap (default ${DEFAULT-VALUE}).")
    int eventsPerSecond;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default ${DEFAULT-VALUE}): same seed, same events.")
    long seed;

    MarketPace pace() {
        return new MarketPace(speed, eventsPerSecond, seed);
    }
}
