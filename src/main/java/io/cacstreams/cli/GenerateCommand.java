package io.cacstreams.cli;

import io.cacstreams.config.AppConfig;
import io.cacstreams.config.ConfigException;
import io.cacstreams.generator.Fault;
import io.cacstreams.generator.GeneratorRunner;
import io.cacstreams.generator.SyntheticMarket;
import io.cacstreams.runtime.ClientProperties;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;

/** The demo's synthetic market, produced into any cluster (docker-compose, staging). */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Produce the synthetic market (six channels, seasonality, fx, a few bad records and duplicates, "
                + "one channel drifting below 3:1 and back) into the configured cluster.")
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options = new ConfigOptions();

    @Mixin
    MarketOptions market = new MarketOptions();

    @Option(names = "--days", description = "Stop after this many simulated days (default: run until stopped).")
    Integer days;

    @Option(names = "--start-days-ago", defaultValue = "365",
            description = "Simulated time starts this many days ago (default ${DEFAULT-VALUE}); it never passes now.")
    int startDaysAgo;

    @Option(names = "--bad-share", defaultValue = "0.003", description = "Share of bad records (default ${DEFAULT-VALUE}).")
    double badShare;

    @Option(names = "--duplicate-share", defaultValue = "0.005", description = "Share of re-sent events (default ${DEFAULT-VALUE}).")
    double duplicateShare;

    @Spec
    CommandSpec spec;

    private final Map<String, String> env;

    GenerateCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() throws Exception {
        AppConfig cfg = options.load(env);
        if (cfg.kafka().get("bootstrap.servers") == null) throw new ConfigException("bootstrap.servers", "required");
        PrintWriter out = spec.commandLine().getOut();
        Properties p = new Properties();
        p.putAll(ClientProperties.of(cfg));
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        try (SchemaRegistryClient registry = SchemaRegistryClient.create(cfg.registry());
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
                     new ByteArraySerializer())) {
            GeneratorRunner runner = market.pace().runner(producer, registry, cfg.topics(), startDaysAgo,
                    new SyntheticMarket.Options(badShare, duplicateShare), days == null ? Long.MAX_VALUE : days * 24L);
            Thread hook = new Thread(runner::stop);
            Runtime.getRuntime().addShutdownHook(hook);
            out.printf("generating into %s from %s at %.0fx (Ctrl-C to stop)%n", cfg.kafka().get("bootstrap.servers"),
                    runner.start(), market.speed);
            out.flush();
            runner.run();
            out.printf("sent %d records: %s%n", runner.sent(), runner.faults());
            if (runner.failure() != null) {
                spec.commandLine().getErr().println("generator failed: " + runner.failure());
                return Main.EXIT_FAILED;
            }
            return runner.faults().getOrDefault(Fault.NONE, 0L) > 0 || runner.sent() == 0 ? Main.EXIT_OK : Main.EXIT_FAILED;
        }
    }
}
