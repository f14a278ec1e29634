package io.cacstreams.topology;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cacstreams.events.AlertStatus;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.events.MarketingSpend;
import io.cacstreams.events.SpendCategory;
import io.cacstreams.serde.AvroCodec;
import io.cacstreams.serde.FakeRegistryServer;
import io.cacstreams.serde.FakeRegistryServer.Reply;
import io.cacstreams.serde.MockSchemaRegistry;
import io.cacstreams.serde.RegistryUnavailableException;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.cacstreams.topology.TopologyHarness.day;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A schema registry outage, with the application's real HTTP registry client (and its caches) in front of a fake
 * registry that can be taken down and counts the requests it gets: events whose writer schema id is cached, and
 * outputs whose schema was resolved at start (as {@code run} does), are processed without any registry call, even an
 * output written for the first time during the outage; a genuinely new schema id fails the record (the task, in the
 * application) without dead-lettering it, and is processed once the registry is back.
 */
class RegistryOutageTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern REGISTER = Pattern.compile("/subjects/([^/]+)/versions");
    private static final Pattern BY_ID = Pattern.compile("/schemas/ids/(\\d+)");
    private static final String SPEND = "marketing-spend";

    private final String scope = "outage-" + UUID.randomUUID();
    private final AtomicBoolean down = new AtomicBoolean();
    private FakeRegistryServer server;

    @BeforeEach
    void start() throws IOException {
        server = FakeRegistryServer.http().script(this::answer);
    }

    @AfterEach
    void stop() {
        server.close();
        MockSchemaRegistry.drop(scope);
    }

    /** A Confluent-API registry backed by the mock registry of {@link #scope}; 503 while {@link #down}. */
    private Reply answer(FakeRegistryServer.Request r) {
        if (down.get()) return Reply.error(503, 50003, "registry down (test)");
        MockSchemaRegistry registry = MockSchemaRegistry.forScope(scope);
        try {
            Matcher register = REGISTER.matcher(r.path());
            if (r.method().equals("POST") && register.matches()) {
                String subject = URLDecoder.decode(register.group(1), StandardCharsets.UTF_8);
                Schema schema = new Schema.Parser().parse(JSON.readTree(r.body()).get("schema").asText());
                return Reply.json(200, "{\"id\":" + registry.register(subject, schema) + "}");
            }
            Matcher byId = BY_ID.matcher(r.path());
            if (r.method().equals("GET") && byId.matches()) {
                Schema schema = registry.getById(Integer.parseInt(byId.group(1)));
                return Reply.json(200, JSON.createObjectNode().put("schema", schema.toString()).toString());
            }
        } catch (IOException | RuntimeException e) {
            return Reply.error(404, 40403, "not found: " + e.getMessage());
        }
        return Reply.error(404, 40401, "not scripted: " + r.method() + " " + r.path());
    }

    @Test
    void cachedSchemasKeepGoingAndANewSchemaIdWaitsForTheRegistryWithoutBeingDeadLettered() {
        try (TopologyHarness h = new TopologyHarness(Map.of("cac.registry.url", server.url(""),
                "cac.registry.max.retries", "0", "cac.windows", "7d"))) {
            Topics topics = Topics.of(h.config, h.registry());
            assertThat(topics.resolveOutputSchemas()).as("problems resolving the output schemas at start").isEmpty();
            h.spend("display", 100, "USD", day(0)); // the spend schema id is cached from here on
            h.flush();
            assertThat(h.alerts).isEmpty();
            assertThat(h.dead).isEmpty();

            down.set(true);
            int requestsBefore = server.requests.size();
            for (int d = 1; d <= 8; d++) h.spend("display", 100, "USD", day(d));
            h.spend("display", -5, "USD", day(8)); // the first dead letter, during the outage
            h.flush();
            assertThat(h.alertsFor("display", 7)).as("an alert firing for the first time, during the outage")
                    .extracting(a -> a.getStatus()).containsExactly(AlertStatus.FIRING);
            assertThat(h.dead).extracting(d -> d.getReason()).containsExactly(DeadLetterReason.NEGATIVE_AMOUNT);
            assertThat(server.requests.size()).as("registry requests during the outage").isEqualTo(requestsBefore);

            // a schema id the application has never seen, registered directly while its registry is unreachable
            int newId = MockSchemaRegistry.forScope(scope).register(SPEND + "-value",
                    relabelled(MarketingSpend.getClassSchema()));
            byte[] v1 = new AvroCodec<>(h.registry(), MarketingSpend.class, false, true).encode(SPEND,
                    MarketingSpend.newBuilder().setEventId("new-id-1").setChannel("display")
                            .setAmount(TopologyHarness.money(1000)).setCurrency("USD")
                            .setCategory(SpendCategory.MEDIA).setOccurredAt(day(8)).build());
            byte[] withNewId = ByteBuffer.wrap(v1.clone()).putInt(1, newId).array();
            double spendBefore = h.latest("display", 7).getSpend();
            assertThatThrownBy(() -> h.raw(SPEND, withNewId)).as("a new schema id waits for the registry")
                    .satisfies(e -> assertThat(causes(e)).anyMatch(RegistryUnavailableException.class::isInstance));
            assertThat(h.dead).as("nothing dead-lettered for the new schema id").hasSize(1);
            assertThat(server.requests.size()).isGreaterThan(requestsBefore);

            down.set(false);
            h.raw(SPEND, withNewId); // what exactly-once processing does after the failed task restarts
            h.flush();
            assertThat(h.dead).hasSize(1);
            assertThat(h.latest("display", 7).getSpend() - spendBefore).isEqualTo(1000.0);
        }
    }

    /** The same record schema with another doc: the same binary, but another schema text, so a new id. */
    private static Schema relabelled(Schema schema) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(schema.toString());
            root.put("doc", "MarketingSpend, as a producer with its own copy of the contract writes it");
            return new Schema.Parser().parse(root.toString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Throwable> causes(Throwable e) {
        List<Throwable> all = new ArrayList<>();
        for (Throwable t = e; t != null && !all.contains(t); t = t.getCause()) all.add(t);
        return all;
    }
}
