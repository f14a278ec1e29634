package io.cacstreams.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cacstreams.devstack.EmbeddedKafka;
import io.cacstreams.config.AppConfig;
import io.cacstreams.events.AlertSeverity;
import io.cacstreams.events.AlertStatus;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.serde.AvroCodec;
import io.cacstreams.serde.MockSchemaRegistry;
import io.cacstreams.serde.SchemaRegistryClient;
import io.cacstreams.testing.SelfSignedStores;
import io.cacstreams.topology.TopologyObserver;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.cacstreams.query.ViewRecords.at;
import static io.cacstreams.query.ViewRecords.key;
import static io.cacstreams.query.ViewRecords.metrics;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The query API of two instances of one application on the in-JVM broker, over https with a bearer token and basic
 * auth: whichever instance is asked answers for every channel (reading its own stores, or forwarding to the owner
 * over https with the configured credentials), the latest figures are the latest by asOf, the history keeps one point
 * per day, the open alerts follow FIRING / severity changes / RESOLVED, errors are JSON, credentials are required,
 * and every answer matches the OpenAPI document the server serves. The view's inputs are written as cac-streams
 * writes its outputs (Confluent wire format through the registry), so this runs in seconds.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QueryApiIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TOKEN = "t0ken-" + Long.toHexString(System.nanoTime());
    private static final String BASIC_USER = "growth";
    private static final String BASIC_PASSWORD = "pa55-" + Long.toHexString(System.nanoTime());
    private static final String BEARER = "Bearer " + TOKEN;
    private static final String BASIC = "Basic " + Base64.getEncoder()
            .encodeToString((BASIC_USER + ":" + BASIC_PASSWORD).getBytes(StandardCharsets.UTF_8));
    private static final List<String> CHANNELS = List.of("paid_search", "paid_social", "organic", "email",
            "referral", "affiliate", "podcast", "ALL");
    private static final int[] WINDOWS = {7, 30};

    @TempDir
    static Path tmp;
    private static EmbeddedKafka kafka;
    private static SchemaRegistryClient registry;
    private static String scope;
    private static QueryInstance a;
    private static QueryInstance b;
    private static ApiClient client;
    private static OpenApiCheck openApi;
    /** The latest record written per key, by asOf. */
    private static final Map<String, ChannelMetrics> expected = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start();
        SelfSignedStores stores = SelfSignedStores.create(tmp, "query", "st0re-" + System.nanoTime());
        String run = "qapi-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        scope = run;
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", kafka.bootstrapServers());
        settings.put("application.id", run);
        settings.put("cac.registry.url", "mock://" + run);
        for (String t : List.of("spend", "leads", "conversions", "churn", "fx", "metrics", "alerts", "deadletter")) {
            settings.put("cac.topic." + t, run + "." + t);
        }
        settings.put("cac.windows", "7d,30d");
        settings.put("cac.query.port", "0");
        settings.put("session.timeout.ms", "6000"); // a stopped instance's tasks move within seconds
        settings.put("cac.query.bearer.token", TOKEN);
        settings.put("cac.query.basic.auth.user.info", BASIC_USER + ":" + BASIC_PASSWORD);
        settings.put("cac.query.ssl.keystore.location", stores.keyStore().toString());
        settings.put("cac.query.ssl.keystore.password", stores.password());
        settings.put("cac.query.ssl.keystore.type", "PKCS12");
        settings.put("cac.query.ssl.truststore.location", stores.trustStore().toString());
        settings.put("cac.query.ssl.truststore.password", stores.password());
        settings.put("cac.query.ssl.truststore.type", "PKCS12");
        AppConfig config = AppConfig.from(settings);
        List<String> topics = new ArrayList<>(config.topics().inputs());
        topics.addAll(List.of(config.topics().fxRates(), config.topics().metrics(), config.topics().alerts(),
                config.topics().deadLetter()));
        kafka.createTopics(4, topics.toArray(String[]::new));
        registry = MockSchemaRegistry.client(run);

        a = QueryInstance.start(config, registry, QueryApiIT::viewOnly);
        b = QueryInstance.start(config, registry, QueryApiIT::viewOnly);
        QueryInstance.await(WAIT, "both instances running with tasks of their own", () -> {
            a.failIfDied();
            b.failIfDied();
            return a.runningWithTasks() && b.runningWithTasks();
        });

        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(stores.trust());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        client = new ApiClient(tls);
        openApi = new OpenApiCheck(client.get(url(a, "/api/openapi.json"), null).json());
        produce(config);
    }

    /** Only the query view: the stages computing the figures are not needed to serve them. */
    private static Topology viewOnly(AppConfig config, SchemaRegistryClient registry, TopologyObserver observer) {
        StreamsBuilder builder = new StreamsBuilder();
        MetricsViewTopology.addTo(builder, config, registry);
        return builder.build();
    }

    /**
     * Three days of figures for every (channel, window), then, for paid_social 7d, a record of day 2 that arrives
     * after day 3's (a late arrival: it is the latest of day 2, not the latest); alerts: paid_social 7d FIRING as a
     * WARNING then CRITICAL, email 30d FIRING, organic 7d FIRING then RESOLVED.
     */
    private static void produce(AppConfig config) throws Exception {
        AvroCodec<ChannelMetrics> metricsCodec = new AvroCodec<>(registry, ChannelMetrics.class, false, true);
        AvroCodec<ChannelAlert> alertsCodec = new AvroCodec<>(registry, ChannelAlert.class, false, true);
        String metricsTopic = config.topics().metrics();
        String alertsTopic = config.topics().alerts();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new ByteArraySerializer())) {
            List<ChannelMetrics> records = new ArrayList<>();
            for (int day = 1; day <= 3; day++) {
                for (int c = 0; c < CHANNELS.size(); c++) {
                    for (int w : WINDOWS) {
                        records.add(metrics(CHANNELS.get(c), w, at(day + 0.5), ratio(c, w, day), 100 + c));
                    }
                }
            }
            records.add(metrics("paid_social", 7, at(2.75), 0.42, 101));
            // webinar 7d: a live snapshot, the window settled at midnight (day 1's end), a live snapshot of day 2
            records.add(metrics("webinar", 7, at(1.6), 2.0, 150, false));
            records.add(metrics("webinar", 7, at(2.0), 2.2, 140, true));
            records.add(metrics("webinar", 7, at(2.3), 2.4, 130, false));
            for (ChannelMetrics m : records) {
                String key = key(m.getChannel(), m.getWindowDays());
                producer.send(new ProducerRecord<>(metricsTopic, null, m.getAsOf().toEpochMilli(), key,
                        metricsCodec.encode(metricsTopic, m)));
                ChannelMetrics kept = expected.get(key);
                if (kept == null || !m.getAsOf().isBefore(kept.getAsOf())) expected.put(key, m);
            }
            List<ChannelAlert> alerts = List.of(
                    ViewRecords.alert("paid_social", 7, AlertStatus.FIRING, AlertSeverity.WARNING, at(2), 2.1),
                    ViewRecords.alert("email", 30, AlertStatus.FIRING, AlertSeverity.CRITICAL, at(2), 0.8),
                    ViewRecords.alert("organic", 7, AlertStatus.FIRING, AlertSeverity.WARNING, at(2), 2.5),
                    ViewRecords.alert("paid_social", 7, AlertStatus.FIRING, AlertSeverity.CRITICAL, at(3), 0.9),
                    ViewRecords.alert("organic", 7, AlertStatus.RESOLVED, AlertSeverity.WARNING, at(3), 3.3));
            for (ChannelAlert alert : alerts) {
                producer.send(new ProducerRecord<>(alertsTopic, null, alert.getEvaluatedAt().toEpochMilli(),
                        alert.getDedupKey(), alertsCodec.encode(alertsTopic, alert)));
            }
            producer.flush();
        }
        QueryInstance.await(WAIT, "every record and alert queryable", () -> {
            ApiClient.Response list = client.get(url(a, "/api/v1/channels"), BEARER);
            ApiClient.Response open = client.get(url(b, "/api/v1/alerts"), BEARER);
            if (list.status() != 200 || open.status() != 200) return false;
            boolean all = CHANNELS.stream().allMatch(ch -> {
                JsonNode w = channelEntry(list.json(), ch).path("windows");
                return w.has("7d") && w.has("30d") && w.path("7d").path("asOf").asText()
                        .equals(expected.get(key(ch, 7)).getAsOf().toString());
            });
            return all && open.json().path("alerts").size() == 2
                    && client.get(url(a, "/api/v1/channels/paid_social/history?window=7d"), BEARER).json()
                    .path("points").path(1).path("asOf").asText().equals(at(2.75).toString());
        });
    }

    private static double ratio(int channel, int window, int day) {
        return 1 + channel + window / 100.0 + day / 10.0;
    }

    @AfterAll
    static void stop() {
        if (b != null) b.close();
        if (a != null) a.close();
        if (registry != null) registry.close();
        MockSchemaRegistry.drop(scope);
        if (kafka != null) kafka.close();
    }

    private static String url(QueryInstance instance, String path) {
        return instance.url() + path.substring(1);
    }

    private static JsonNode channelEntry(JsonNode list, String channel) {
        for (JsonNode c : list.path("channels")) {
            if (c.path("channel").asText().equals(channel)) return c;
        }
        return list.path("missing");
    }

    /** The record's JSON as a client reads it (numbers typed by their text, as any parser does). */
    private static JsonNode asRead(ChannelMetrics m) {
        try {
            return new ObjectMapper().readTree(AvroJson.toJson(m).toString());
        } catch (JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }

    private static HostInfo owner(String key) {
        return a.streams().queryMetadataForKey(MetricsViewTopology.LATEST_STORE, key, new StringSerializer())
                .activeHost();
    }

    @Test
    void bothInstancesOwnPartOfTheViewAndEachAnswersForEveryChannel() {
        Set<HostInfo> owners = new HashSet<>();
        expected.keySet().forEach(k -> owners.add(owner(k)));
        assertThat(owners).as("the keys are spread over both instances, so answers need forwarding").hasSize(2);

        for (QueryInstance asked : List.of(a, b)) {
            ApiClient.Response list = client.get(url(asked, "/api/v1/channels"), BEARER);
            assertThat(list.status()).isEqualTo(200);
            assertThat(list.contentType()).startsWith("application/json");
            openApi.assertMatches("/api/v1/channels", 200, list.json());
            JsonNode body = list.json();
            assertThat(body.path("reportingCurrency").asText()).isEqualTo("USD");
            assertThat(body.path("target").asDouble()).isEqualTo(3.0);
            assertThat(body.path("windows").toString()).isEqualTo("[\"7d\",\"30d\"]");
            List<String> names = new ArrayList<>();
            body.path("channels").forEach(c -> names.add(c.path("channel").asText()));
            assertThat(names).as("sorted, ALL last").containsExactly("affiliate", "email", "organic",
                    "paid_search", "paid_social", "podcast", "referral", "webinar", "ALL");

            for (String channel : CHANNELS) {
                for (int w : WINDOWS) {
                    ChannelMetrics want = expected.get(key(channel, w));
                    JsonNode listed = channelEntry(body, channel).path("windows").path(w + "d");
                    assertThat(listed).isEqualTo(asRead(want));
                    ApiClient.Response one = client.get(url(asked, "/api/v1/channels/" + channel + "?window=" + w
                            + "d"), BEARER);
                    assertThat(one.status()).as("%s %dd from %s", channel, w, asked.queryPort()).isEqualTo(200);
                    openApi.assertMatches("/api/v1/channels/{channel}", 200, one.json());
                    assertThat(one.json().path("ltvToCac").asDouble()).isEqualTo(want.getLtvToCac());
                    assertThat(one.json().path("asOf").asText()).isEqualTo(want.getAsOf().toString());
                    assertThat(one.json()).isEqualTo(asRead(want));
                }
            }
        }
        // the late day-2 record did not replace day 3's; the default window is 30d
        assertThat(client.get(url(b, "/api/v1/channels/paid_social?window=7d"), BEARER).json().path("asOf")
                .asText()).isEqualTo(at(3.5).toString());
        assertThat(client.get(url(b, "/api/v1/channels/paid_social"), BEARER).json().path("windowDays").asInt())
                .isEqualTo(30);
    }

    @Test
    void historyHasOnePointPerDayTheLatestOfThatDay() {
        for (QueryInstance asked : List.of(a, b)) {
            JsonNode h = client.get(url(asked, "/api/v1/channels/paid_social/history?window=7d"), BEARER).json();
            openApi.assertMatches("/api/v1/channels/{channel}/history", 200, h);
            assertThat(h.path("step").asText()).isEqualTo("1d");
            List<String> asOf = new ArrayList<>();
            h.path("points").forEach(p -> asOf.add(p.path("asOf").asText()));
            assertThat(asOf).containsExactly(at(1.5).toString(), at(2.75).toString(), at(3.5).toString());
            assertThat(h.path("points").path(1).path("ltvToCac").asDouble()).isEqualTo(0.42);

            JsonNode webinar = client.get(url(asked, "/api/v1/channels/webinar/history?window=7d"), BEARER).json();
            List<String> points = new ArrayList<>();
            webinar.path("points").forEach(p -> points.add(p.path("asOf").asText() + " " + p.path("settled")));
            assertThat(points).as("the settled figures of day 1's end, then day 2's live snapshot")
                    .containsExactly(at(2.0) + " true", at(2.3) + " false");
            assertThat(client.get(url(asked, "/api/v1/channels/webinar?window=7d"), BEARER).json().path("asOf")
                    .asText()).as("the latest figures: the live snapshot").isEqualTo(at(2.3).toString());

            JsonNode range = client.get(url(asked, "/api/v1/channels/organic/history?window=30d&from="
                    + at(2).toString().substring(0, 10) + "&to=" + at(2.9)), BEARER).json();
            openApi.assertMatches("/api/v1/channels/{channel}/history", 200, range);
            assertThat(range.path("points")).hasSize(1);
            assertThat(range.path("points").path(0).path("asOf").asText()).isEqualTo(at(2.5).toString());
            assertThat(range.path("from").asText()).isEqualTo(at(2).toString());
            assertThat(range.path("to").asText()).isEqualTo(at(2).toString());
        }
    }

    @Test
    void openAlertsFollowTheTransitions() {
        for (QueryInstance asked : List.of(a, b)) {
            ApiClient.Response r = client.get(url(asked, "/api/v1/alerts?status=FIRING"), BEARER);
            assertThat(r.status()).isEqualTo(200);
            openApi.assertMatches("/api/v1/alerts", 200, r.json());
            List<String> open = new ArrayList<>();
            r.json().path("alerts").forEach(x -> open.add(x.path("dedupKey").asText() + " "
                    + x.path("severity").asText()));
            assertThat(open).containsExactly("cac-streams/LTV_CAC_BELOW_TARGET/email/30d CRITICAL",
                    "cac-streams/LTV_CAC_BELOW_TARGET/paid_social/7d CRITICAL");
            assertThat(client.get(url(asked, "/api/v1/alerts"), BEARER).json()).isEqualTo(r.json());
        }
    }

    @Test
    void errorsAreJsonWithTheRightStatus() {
        Map<String, Integer> cases = new LinkedHashMap<>();
        cases.put("/api/v1/channels/tiktok?window=7d", 404);
        cases.put("/api/v1/channels/tiktok/history?window=7d", 404);
        cases.put("/api/v1/channels/organic?window=13d", 400);
        cases.put("/api/v1/channels/organic?window=week", 400);
        cases.put("/api/v1/channels/organic/history?window=7d&from=yesterday", 400);
        cases.put("/api/v1/channels/organic/history?window=7d&from=2026-03-03&to=2026-03-01", 400);
        cases.put("/api/v1/alerts?status=RESOLVED", 400);
        for (QueryInstance asked : List.of(a, b)) {
            cases.forEach((path, status) -> {
                ApiClient.Response r = client.get(url(asked, path), BEARER);
                assertThat(r.status()).as(path).isEqualTo(status);
                assertThat(r.contentType()).as(path).startsWith("application/json");
                assertThat(r.json().path("status").asInt()).isEqualTo(status);
                assertThat(r.json().path("message").asText()).as(path).isNotBlank();
                String route = path.substring(0, path.indexOf('?')).replace("/tiktok", "/{channel}")
                        .replace("/organic", "/{channel}");
                openApi.assertMatches(route, status, r.json());
            });
        }
        ApiClient.Response noRoute = client.get(url(a, "/api/v1/nothing"), BEARER);
        assertThat(noRoute.status()).isEqualTo(404);
        assertThat(noRoute.json().path("error").asText()).isEqualTo("not_found");
    }

    @Test
    void credentialsAreRequiredAndEitherKindWorks() {
        String path = "/api/v1/channels/organic?window=7d";
        for (QueryInstance asked : List.of(a, b)) {
            ApiClient.Response none = client.get(url(asked, path), null);
            assertThat(none.status()).isEqualTo(401);
            assertThat(none.challenges()).anyMatch(c -> c.startsWith("Basic ")).anyMatch(c -> c.startsWith("Bearer "));
            openApi.assertMatches("/api/v1/channels/{channel}", 401, none.json());
            assertThat(none.text()).doesNotContain(TOKEN).doesNotContain(BASIC_PASSWORD);
            assertThat(client.get(url(asked, path), "Bearer wrong-" + TOKEN).status()).isEqualTo(401);
            assertThat(client.get(url(asked, path), "Basic " + Base64.getEncoder().encodeToString(
                    (BASIC_USER + ":nope").getBytes(StandardCharsets.UTF_8))).status()).isEqualTo(401);
            assertThat(client.get(url(asked, "/api/internal/v1/latest"), null).status()).isEqualTo(401);
            assertThat(client.get(url(asked, path), BEARER).status()).isEqualTo(200);
            assertThat(client.get(url(asked, path), BASIC).status()).isEqualTo(200);
            // the page asks for basic auth (a browser prompts); the document and the scripts are public
            assertThat(client.get(url(asked, "/"), null).status()).isEqualTo(401);
            assertThat(client.get(url(asked, "/"), BASIC).status()).isEqualTo(200);
            assertThat(client.get(url(asked, "/api/openapi.json"), null).status()).isEqualTo(200);
        }
    }

    /**
     * The figures' gauges of a (channel, window) come from the instance that owns it, and from no other; the count of
     * alerts firing is right on both; when one instance stops, the other takes its part over (restoring it from the
     * changelogs) and exports everything with the same count; when it comes back, they share again.
     */
    @Test
    @Order(Integer.MAX_VALUE)
    void gaugesComeFromTheOwnerOnlyAndStayRightAcrossAStopAndARestart() {
        assertGaugesSplitByOwner();
        b.stop();
        QueryInstance.await(WAIT, () -> "a exports every key and 2 alerts; it has " + gauges(a.scrape()).size()
                + " keys and " + alertsFiring(a.scrape()) + " alerts", () -> {
            String scrape = a.scrape();
            return gauges(scrape).keySet().equals(expected.keySet()) && alertsFiring(scrape) == 2;
        });
        b = b.restart();
        QueryInstance.await(WAIT, "the restarted instance running with tasks of its own",
                () -> a.runningWithTasks() && b.runningWithTasks());
        QueryInstance.await(WAIT, "the gauges split by owner again", () -> {
            try {
                assertGaugesSplitByOwner();
                return true;
            } catch (AssertionError notYet) {
                return false;
            }
        });
    }

    private static void assertGaugesSplitByOwner() {
        String fromA = a.scrape();
        String fromB = b.scrape();
        Map<String, String> onA = gauges(fromA);
        Map<String, String> onB = gauges(fromB);
        assertThat(onA.keySet()).as("exported by both").doesNotContainAnyElementsOf(onB.keySet());
        Set<String> all = new HashSet<>(onA.keySet());
        all.addAll(onB.keySet());
        assertThat(all).isEqualTo(expected.keySet());
        HostInfo hostA = new HostInfo("127.0.0.1", a.queryPort());
        onA.keySet().forEach(k -> assertThat(owner(k)).as(k + " exported by its owner").isEqualTo(hostA));
        onB.keySet().forEach(k -> assertThat(owner(k)).as(k + " exported by its owner").isNotEqualTo(hostA));
        expected.forEach((k, m) -> {
            String value = onA.containsKey(k) ? onA.get(k) : onB.get(k);
            assertThat(Double.parseDouble(value)).as(k).isCloseTo(m.getLtvToCac(), within(1e-12));
        });
        assertThat(alertsFiring(fromA) + alertsFiring(fromB)).as("alerts firing, over both").isEqualTo(2);
    }

    private static final Pattern RATIO = Pattern.compile(
            "(?m)^cac_channel_ltv_to_cac\\{channel=\"([^\"]*)\",window=\"([^\"]*)\"} (\\S+)$");
    private static final Pattern FIRING = Pattern.compile("(?m)^cac_alerts_firing\\{[^}]*} (\\S+)$");

    /** cac_channel_ltv_to_cac of a scrape, by key (channel|window). */
    private static Map<String, String> gauges(String scrape) {
        Map<String, String> out = new HashMap<>();
        Matcher m = RATIO.matcher(scrape);
        while (m.find()) out.put(m.group(1) + "|" + m.group(2), m.group(3));
        return out;
    }

    private static int alertsFiring(String scrape) {
        Matcher m = FIRING.matcher(scrape);
        double sum = 0;
        while (m.find()) sum += Double.parseDouble(m.group(1));
        return (int) sum;
    }

    @Test
    void onlyHttpsIsServed() {
        ApiClient plain = new ApiClient(null);
        String http = a.url().replace("https://", "http://") + "api/openapi.json";
        boolean refused;
        try {
            refused = plain.get(http, BEARER).status() != 200;
        } catch (AssertionError e) {
            refused = true;
        }
        assertThat(refused).as("plain http on the TLS port").isTrue();
        assertThat(a.url()).startsWith("https://127.0.0.1:");
    }
}
