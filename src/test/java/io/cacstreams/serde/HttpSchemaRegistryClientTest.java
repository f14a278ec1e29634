package io.cacstreams.serde;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cacstreams.config.ConfigException;
import io.cacstreams.config.RegistrySettings;
import io.cacstreams.serde.FakeRegistryServer.Reply;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class HttpSchemaRegistryClientTest {
    private static final String PREFIX = "/apis/ccompat/v7";
    private static final String PASSWORD = "s3cr3t-Pa55word";
    private static final Schema SCHEMA = new Schema.Parser().parse(
            "{\"type\": \"record\", \"name\": \"A\", \"namespace\": \"t\", \"fields\": [{\"name\": \"x\", \"type\": \"int\"}]}");
    private static final String SCHEMA_JSON = jsonString(SCHEMA.toString());

    private FakeRegistryServer server;
    private final List<SchemaRegistryClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = FakeRegistryServer.http();
    }

    @AfterEach
    void stop() {
        clients.forEach(SchemaRegistryClient::close);
        server.close();
    }

    private SchemaRegistryClient client(String url, String userInfo, Duration timeout, int maxRetries,
                                        int cacheCapacity) {
        SchemaRegistryClient c = SchemaRegistryClient.create(new RegistrySettings(url, userInfo, true, timeout,
                maxRetries, Duration.ofMillis(1), cacheCapacity, Map.of()));
        clients.add(c);
        return c;
    }

    private SchemaRegistryClient client(int maxRetries) {
        return client(server.url(PREFIX), null, Duration.ofSeconds(5), maxRetries, 100);
    }

    private static String jsonString(String s) {
        try {
            return new ObjectMapper().writeValueAsString(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void speaksTheConfluentApiUnderThePathPrefix() throws Exception {
        server.script(r -> switch (r.method() + " " + r.path()) {
            case "POST /apis/ccompat/v7/subjects/t-value/versions" -> Reply.json(200, "{\"id\":7}");
            case "POST /apis/ccompat/v7/subjects/u-value" -> Reply.json(200,
                    "{\"subject\":\"u-value\",\"id\":8,\"version\":3,\"schema\":" + SCHEMA_JSON + "}");
            case "GET /apis/ccompat/v7/schemas/ids/9" -> Reply.json(200, "{\"schema\":" + SCHEMA_JSON + "}");
            case "GET /apis/ccompat/v7/subjects/t-value/versions/latest" -> Reply.json(200,
                    "{\"subject\":\"t-value\",\"id\":7,\"version\":2,\"schema\":" + SCHEMA_JSON + "}");
            default -> Reply.error(404, 40401, "unexpected " + r.path());
        });
        SchemaRegistryClient c = client(server.url(PREFIX + "/"), null, Duration.ofSeconds(5), 0, 100);

        assertThat(c.register("t-value", SCHEMA)).isEqualTo(7);
        assertThat(c.lookup("u-value", SCHEMA)).isEqualTo(8);
        assertThat(c.getById(9)).isEqualTo(SCHEMA);
        assertThat(c.latest("t-value")).isEqualTo(new SchemaVersion("t-value", 2, 7, SCHEMA));

        FakeRegistryServer.Request register = server.requests.get(0);
        assertThat(register.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
        assertThat(new ObjectMapper().readTree(register.body()).get("schema").asText()).isEqualTo(SCHEMA.toString());
        assertThat(register.authorization()).isNull();
        assertThat(server.requests).hasSize(4);
    }

    @Test
    void retriesOn503ThenSucceeds() {
        AtomicInteger calls = new AtomicInteger();
        server.script(r -> calls.incrementAndGet() <= 2 ? Reply.error(503, 50003, "busy")
                : Reply.json(200, "{\"schema\":" + SCHEMA_JSON + "}"));

        assertThat(client(3).getById(1)).isEqualTo(SCHEMA);
        assertThat(calls).hasValue(3);
    }

    @Test
    void retriesPostsToo() {
        AtomicInteger calls = new AtomicInteger();
        server.script(r -> calls.incrementAndGet() == 1 ? Reply.json(502, "Bad Gateway") : Reply.json(200, "{\"id\":4}"));

        assertThat(client(1).register("t-value", SCHEMA)).isEqualTo(4);
        assertThat(calls).hasValue(2);
    }

    @Test
    void retriesAreBoundedThenTheRegistryIsUnavailable() {
        server.script(r -> Reply.error(503, 50003, "Error while forwarding the request to the leader"));

        RegistryUnavailableException e = catchThrowableOfType(RegistryUnavailableException.class,
                () -> client(2).getById(1));

        assertThat(server.requests).hasSize(3);
        assertThat(e.status()).isEqualTo(503);
        assertThat(e.getMessage()).contains("GET " + server.url(PREFIX) + "/schemas/ids/1", "3 attempts",
                "HTTP 503", "50003", "leader").doesNotContain("\n");
    }

    @Test
    void anUnreachableRegistryIsUnavailable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        SchemaRegistryClient c = client("http://127.0.0.1:" + port, null, Duration.ofSeconds(2), 1, 10);

        RegistryUnavailableException e = catchThrowableOfType(RegistryUnavailableException.class, () -> c.getById(1));

        assertThat(e.status()).isEqualTo(-1);
        assertThat(e.getMessage()).contains("2 attempts", "ConnectException");
    }

    @Test
    void timeoutsAreRetriedThenUnavailable() {
        server.script(r -> new Reply(200, "{\"schema\":" + SCHEMA_JSON + "}", 3_000));
        SchemaRegistryClient c = client(server.url(PREFIX), null, Duration.ofMillis(200), 1, 10);

        long start = System.nanoTime();
        RegistryUnavailableException e = catchThrowableOfType(RegistryUnavailableException.class, () -> c.getById(1));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(e.getMessage()).contains("2 attempts", "HttpTimeoutException");
        assertThat(took).isLessThan(Duration.ofMillis(2_000));
        assertThat(server.requests).hasSize(2);
    }

    @Test
    void notFoundIsSchemaNotFoundWithoutRetries() {
        server.script(r -> Reply.error(404, 40403, "Schema 42 not found"));

        SchemaNotFoundException e = catchThrowableOfType(SchemaNotFoundException.class, () -> client(3).getById(42));

        assertThat(e.status()).isEqualTo(404);
        assertThat(e.getMessage()).contains("HTTP 404", "40403", "Schema 42 not found");
        assertThat(server.requests).hasSize(1);

        server.script(r -> Reply.error(404, 40401, "Subject 'x-value' not found."));
        assertThatThrownBy(() -> client(3).lookup("x-value", SCHEMA)).isInstanceOf(SchemaNotFoundException.class)
                .hasMessageContaining("40401");
        assertThatThrownBy(() -> client(3).latest("x-value")).isInstanceOf(SchemaNotFoundException.class);
    }

    @Test
    void aBare404IsAWrongUrlNotAMissingSchema() {
        server.script(r -> r.path().endsWith("/1")
                ? Reply.json(404, "{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}")
                : Reply.json(404, "<html><body>Not Found</body></html>"));

        for (int id : new int[]{1, 2}) {
            RegistryException e = catchThrowableOfType(RegistryException.class, () -> client(0).getById(id));
            assertThat(e).isExactlyInstanceOf(RegistryException.class);
            assertThat(e.status()).isEqualTo(404);
            assertThat(e.getMessage()).contains("path prefix");
        }
        var codec = new AvroCodec<>(client(0), io.cacstreams.events.Churn.class, false, true);
        assertThatThrownBy(() -> codec.decode("churn", new byte[]{0, 0, 0, 0, 1, 2}))
                .as("a misconfigured URL is not a bad record").isExactlyInstanceOf(RegistryException.class);
    }

    @Test
    void otherClientErrorsAreOneLineRegistryExceptions() {
        server.script(r -> Reply.error(422, 42201, "Invalid schema:\\n  unknown type bogus"));

        RegistryException e = catchThrowableOfType(RegistryException.class,
                () -> client(3).register("t-value", SCHEMA));

        assertThat(e).isExactlyInstanceOf(RegistryException.class);
        assertThat(e.status()).isEqualTo(422);
        assertThat(e.getMessage())
                .isEqualTo("schema registry POST " + server.url(PREFIX) + "/subjects/t-value/versions: HTTP 422"
                        + " (error 42201): Invalid schema: unknown type bogus");
        assertThat(server.requests).hasSize(1);

        server.script(r -> Reply.json(409, "incompatible, and not JSON"));
        assertThatThrownBy(() -> client(3).register("t-value", SCHEMA)).isExactlyInstanceOf(RegistryException.class)
                .hasMessageEndingWith("HTTP 409: incompatible, and not JSON");
    }

    @Test
    void sendsBasicAuthAndNeverShowsThePassword() throws Exception {
        Logger log = (Logger) LoggerFactory.getLogger(RegistryHttp.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        log.addAppender(logged);
        try {
            AtomicInteger calls = new AtomicInteger();
            // A registry that echoes the credentials back in its errors, at worst.
            server.script(r -> switch (calls.incrementAndGet()) {
                case 1 -> Reply.error(503, 50001, "store down for alice:" + PASSWORD);
                case 2 -> Reply.json(200, "{\"schema\":" + SCHEMA_JSON + "}");
                case 3 -> Reply.error(401, 40101, "bad password " + PASSWORD);
                default -> Reply.json(500, "boom " + PASSWORD);
            });
            SchemaRegistryClient c = client(server.url(PREFIX), "alice:" + PASSWORD, Duration.ofSeconds(5), 1, 10);
            List<String> texts = new ArrayList<>();

            assertThat(c.getById(1)).isEqualTo(SCHEMA);
            RegistryException unauthorized = catchThrowableOfType(RegistryException.class, () -> c.getById(2));
            RegistryException down = catchThrowableOfType(RegistryException.class, () -> c.getById(3));

            String expected = "Basic " + Base64.getEncoder()
                    .encodeToString(("alice:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
            assertThat(server.requests).allSatisfy(r -> assertThat(r.authorization()).isEqualTo(expected));
            assertThat(unauthorized.status()).isEqualTo(401);
            assertThat(down).isInstanceOf(RegistryUnavailableException.class);
            for (Throwable t : List.of(unauthorized, down)) {
                for (Throwable x = t; x != null; x = x.getCause()) texts.add(x.toString());
            }
            texts.add(c.toString());
            logged.list.forEach(event -> texts.add(event.getFormattedMessage()));
            assertThatThrownBy(() -> client("http://alice:" + PASSWORD + "@127.0.0.1:1", null, Duration.ofSeconds(1),
                    0, 10)).isInstanceOfSatisfying(ConfigException.class, e -> texts.add(e.toString()));

            assertThat(logged.list).isNotEmpty();
            assertThat(texts).noneMatch(t -> t.contains(PASSWORD));
            assertThat(String.join("\n", texts)).contains("alice:[hidden]", "bad password [hidden]");
        } finally {
            log.detachAppender(logged);
        }
    }

    @Test
    void cachesSchemasByIdAndIdsBySubjectAndSchema() {
        server.script(r -> r.method().equals("POST") ? Reply.json(200, "{\"id\":5}")
                : Reply.json(200, "{\"schema\":" + SCHEMA_JSON + "}"));
        SchemaRegistryClient c = client(0);

        c.getById(1);
        c.getById(1);
        assertThat(server.count("GET", PREFIX + "/schemas/ids/1")).isEqualTo(1);

        c.register("t-value", SCHEMA);
        c.register("t-value", SCHEMA);
        c.lookup("t-value", SCHEMA);
        c.getById(5);
        assertThat(server.count("POST", PREFIX + "/subjects/t-value/versions")).isEqualTo(1);
        assertThat(server.count("POST", PREFIX + "/subjects/t-value")).isZero();
        assertThat(server.count("GET", PREFIX + "/schemas/ids/5")).isZero();
    }

    @Test
    void theCacheIsBoundedLeastRecentlyUsedFirst() {
        server.script(r -> Reply.json(200, "{\"schema\":" + SCHEMA_JSON + "}"));
        SchemaRegistryClient c = client(server.url(PREFIX), null, Duration.ofSeconds(5), 0, 2);

        c.getById(1);
        c.getById(2);
        c.getById(1);
        c.getById(3); // evicts 2, the least recently used
        c.getById(1);
        c.getById(2);

        assertThat(server.count("GET", PREFIX + "/schemas/ids/1")).isEqualTo(1);
        assertThat(server.count("GET", PREFIX + "/schemas/ids/2")).isEqualTo(2);
    }

    @Test
    void schemasThatAreNotPlainAvroAreUnsupported() {
        server.script(r -> switch (r.path()) {
            case PREFIX + "/schemas/ids/1" -> Reply.json(200, "{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\";\"}");
            case PREFIX + "/schemas/ids/2" -> Reply.json(200, "{\"schema\":\"{not avro\"}");
            case PREFIX + "/schemas/ids/3" -> Reply.json(200, "{\"schema\":\"\\\"t.B\\\"\",\"references\":"
                    + "[{\"name\":\"t.B\",\"subject\":\"b\",\"version\":1}]}");
            default -> Reply.json(200, "{\"schema\":" + SCHEMA_JSON + ",\"references\":[]}");
        });
        SchemaRegistryClient c = client(0);

        assertThatThrownBy(() -> c.getById(1)).isInstanceOf(UnsupportedSchemaException.class).hasMessageContaining("PROTOBUF");
        assertThatThrownBy(() -> c.getById(2)).isInstanceOf(UnsupportedSchemaException.class).hasMessageContaining("not a valid Avro");
        assertThatThrownBy(() -> c.getById(3)).isInstanceOf(UnsupportedSchemaException.class).hasMessageContaining("references");
        assertThat(c.getById(4)).isEqualTo(SCHEMA);
    }

    @Test
    void aClosedClientRefusesCalls() {
        SchemaRegistryClient c = client(0);
        c.close();
        assertThatThrownBy(() -> c.getById(1)).isInstanceOf(IllegalStateException.class);
    }
}
