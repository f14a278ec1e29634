package io.cacstreams.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cacstreams.config.AppConfig;
import io.cacstreams.events.AlertSeverity;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The answers of the query API, for all channels from any instance: a (channel, window) lives on the instance whose
 * active task owns its partition of {@code channel-metrics} ({@link KafkaStreams#queryMetadataForKey}); a query for
 * one is answered locally or forwarded to that instance; a query for all (the channel list, the open alerts) asks
 * every instance for its part ({@link KafkaStreams#streamsMetadataForStore}) and merges. Instances answer each
 * other on internal routes ({@value #INTERNAL}/...) that read only their own stores, so a forward never forwards.
 */
final class QueryService {
    static final String INTERNAL = "/api/internal/v1";
    private static final Pattern WINDOW = Pattern.compile("(\\d{1,5})d");
    private static final Serializer<String> KEYS = new StringSerializer();
    private static final Comparator<String> CHANNEL_ORDER = Comparator
            .comparing((String c) -> c.equals(AppConfig.ALL)).thenComparing(Comparator.naturalOrder());

    private final AppConfig config;
    private final ObjectMapper json;
    private final PeerClient peers;
    private final SchemaRegistryClient registry;
    private volatile Bound bound;

    private record Bound(KafkaStreams streams, LocalViews local, HostInfo self) {
    }

    QueryService(AppConfig config, SchemaRegistryClient registry, ObjectMapper json) {
        this.config = config;
        this.registry = registry;
        this.json = json;
        this.peers = new PeerClient(config.query(), json);
    }

    /** Answers from {@code streams}, which publishes {@code self} as its {@code application.server}. */
    void bind(KafkaStreams streams, HostInfo self) {
        bound = new Bound(streams, new LocalViews(streams, registry, config.topics()), self);
    }

    /** This instance's own stores, or empty before {@link #bind}. */
    Optional<LocalViews> local() {
        Bound b = bound;
        return Optional.ofNullable(b == null ? null : b.local());
    }

    // ---- the public API ----

    ObjectNode channels() {
        Map<String, ObjectNode> windowsByChannel = new TreeMap<>(CHANNEL_ORDER);
        for (JsonNode m : gather("/latest", l -> array(l.latest()))) {
            ObjectNode windows = windowsByChannel.computeIfAbsent(m.path("channel").asText(),
                    c -> json.createObjectNode());
            String window = m.path("windowDays").asInt() + "d";
            JsonNode kept = windows.get(window);
            // during a rebalance two instances may both still report a key: keep the later figures
            if (kept == null || !asOf(m).isBefore(asOf(kept))) windows.set(window, m);
        }
        ObjectNode out = json.createObjectNode();
        out.put("reportingCurrency", config.reportingCurrency());
        out.put("target", config.alertDefaults().threshold());
        out.put("critical", config.alertDefaults().critical());
        ArrayNode windows = out.putArray("windows");
        config.windows().forEach(w -> windows.add(w.toDays() + "d"));
        ArrayNode channels = out.putArray("channels");
        windowsByChannel.forEach((channel, w) -> {
            ObjectNode c = channels.addObject();
            c.put("channel", channel);
            c.put("target", config.alertsFor(channel).threshold());
            c.set("windows", w);
        });
        return out;
    }

    JsonNode channel(String channel, String window) {
        String key = key(channel, days(window));
        return owned(key, "/record", Map.of("key", key), l -> record(l, key));
    }

    ObjectNode history(String channel, String window, String from, String to) {
        int days = days(window);
        String key = key(channel, days);
        long fromDay = from == null ? 0 : MetricsViewTopology.dayOf(instant("from", from));
        long toDay = to == null ? Long.MAX_VALUE : MetricsViewTopology.dayOf(instant("to", to));
        if (fromDay > toDay) throw ApiException.badRequest("from (" + from + ") is after to (" + to + ")");
        JsonNode points = owned(key, "/history", Map.of("key", key, "from", Long.toString(fromDay),
                "to", Long.toString(toDay)), l -> history(l, key, fromDay, toDay));
        ObjectNode out = json.createObjectNode();
        out.put("channel", channel).put("window", days + "d").put("step", "1d");
        out.put("from", from == null ? null : Instant.ofEpochMilli(fromDay).toString());
        out.put("to", to == null ? null : Instant.ofEpochMilli(toDay).toString());
        out.set("points", points);
        return out;
    }

    ObjectNode alerts(String status) {
        if (status != null && !status.equals("FIRING")) {
            throw ApiException.badRequest("status must be FIRING (was '" + status + "'): only open alerts are kept;"
                    + " every transition, RESOLVED included, is in the topic " + config.topics().alerts());
        }
        List<JsonNode> alerts = new ArrayList<>(gather("/alerts", l -> array(l.openAlerts())));
        alerts.sort(Comparator.comparing((JsonNode a) -> !a.path("severity").asText()
                        .equals(AlertSeverity.CRITICAL.name()))
                .thenComparing(a -> a.path("channel").asText(), CHANNEL_ORDER)
                .thenComparing(a -> a.path("windowDays").asInt())
                .thenComparing(a -> a.path("rule").asText()));
        ObjectNode out = json.createObjectNode();
        out.put("status", "FIRING");
        out.putArray("alerts").addAll(alerts);
        return out;
    }

    // ---- what instances ask each other: their own stores only ----

    ArrayNode localLatest() {
        return array(ready().local().latest());
    }

    JsonNode localRecord(String key) {
        requireOwner(key);
        return record(ready().local(), key);
    }

    ArrayNode localHistory(String key, String from, String to) {
        requireOwner(key);
        return history(ready().local(), key, number("from", from), number("to", to));
    }

    ArrayNode localAlerts() {
        return array(ready().local().openAlerts());
    }

    // ---- routing ----

    private JsonNode record(LocalViews l, String key) {
        return l.latest(key).<JsonNode>map(AvroJson::toJson).orElseThrow(() -> unknown(key));
    }

    private ArrayNode history(LocalViews l, String key, long fromDay, long toDay) {
        if (l.latest(key).isEmpty()) throw unknown(key);
        return array(l.history(key, fromDay, toDay));
    }

    private ApiException unknown(String key) {
        int bar = key.lastIndexOf('|');
        return ApiException.notFound("no figures for channel '" + key.substring(0, bar) + "' and window "
                + key.substring(bar + 1) + " (GET /api/v1/channels lists the channels with figures)");
    }

    /** Answers for one key: here if this instance owns it, else from the owner. */
    private JsonNode owned(String key, String internal, Map<String, String> params,
                           Function<LocalViews, JsonNode> here) {
        Bound b = ready();
        HostInfo owner = owner(b, key);
        if (owner.equals(b.self())) return here.apply(b.local());
        return peers.get(owner, INTERNAL + internal, params);
    }

    /** Every instance's part (this one's from its stores), in no particular order. */
    private List<JsonNode> gather(String internal, Function<LocalViews, ArrayNode> here) {
        Bound b = ready();
        Collection<StreamsMetadata> instances = b.streams().streamsMetadataForStore(MetricsViewTopology.LATEST_STORE);
        if (instances.isEmpty()) throw ApiException.unavailable("no instance hosts the query view yet; retry shortly");
        List<JsonNode> out = new ArrayList<>();
        for (StreamsMetadata instance : instances) {
            JsonNode part = instance.hostInfo().equals(b.self()) ? here.apply(b.local())
                    : peers.get(instance.hostInfo(), INTERNAL + internal, Map.of());
            part.forEach(out::add);
        }
        return out;
    }

    private HostInfo owner(Bound b, String key) {
        KeyQueryMetadata md = b.streams().queryMetadataForKey(MetricsViewTopology.LATEST_STORE, key, KEYS);
        if (md == null || md.equals(KeyQueryMetadata.NOT_AVAILABLE) || md.activeHost() == null) {
            throw ApiException.unavailable("the owner of " + key + " is not known now (rebalancing); retry shortly");
        }
        return md.activeHost();
    }

    private void requireOwner(String key) {
        Bound b = ready();
        HostInfo owner = owner(b, key);
        if (!owner.equals(b.self())) {
            throw ApiException.unavailable(key + " has moved to " + owner.host() + ":" + owner.port() + "; retry");
        }
    }

    private Bound ready() {
        Bound b = bound;
        if (b == null) throw ApiException.unavailable("Kafka Streams is not started yet; retry shortly");
        KafkaStreams.State state = b.streams().state();
        if (state != KafkaStreams.State.RUNNING && state != KafkaStreams.State.REBALANCING) {
            throw ApiException.unavailable("Kafka Streams is " + state + "; retry shortly");
        }
        return b;
    }

    // ---- parameters ----

    /** {@code window} as days: one of the configured windows ({@code 30d}); absent: 30d if configured, else the longest. */
    int days(String window) {
        List<Integer> allowed = config.windows().stream().map(d -> (int) d.toDays()).toList();
        if (window == null || window.isBlank()) {
            return allowed.contains(30) ? 30 : allowed.get(allowed.size() - 1);
        }
        Matcher m = WINDOW.matcher(window.strip());
        int days = m.matches() ? Integer.parseInt(m.group(1)) : -1;
        if (!allowed.contains(days)) {
            throw ApiException.badRequest("window must be one of " + String.join(", ",
                    allowed.stream().map(d -> d + "d").toList()) + " (was '" + window + "')");
        }
        return days;
    }

    static String key(String channel, int days) {
        if (channel == null || channel.isBlank()) throw ApiException.badRequest("channel must not be empty");
        return channel + "|" + days + "d";
    }

    /** An ISO-8601 instant ({@code 2026-01-31T12:00:00Z}) or date ({@code 2026-01-31}, its start in UTC). */
    static Instant instant(String name, String value) {
        try {
            return value.contains("T") ? Instant.parse(value)
                    : LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(name + " must be an ISO-8601 date (2026-01-31) or instant"
                    + " (2026-01-31T12:00:00Z), was '" + value + "'");
        }
    }

    private static long number(String name, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + " must be epoch milliseconds, was '" + value + "'");
        }
    }

    private static Instant asOf(JsonNode metrics) {
        return Instant.parse(metrics.path("asOf").asText());
    }

    private ArrayNode array(List<? extends SpecificRecord> records) {
        ArrayNode out = json.createArrayNode();
        for (SpecificRecord r : records) out.add(AvroJson.toJson(r));
        return out;
    }

    /** The windows configured, for the OpenAPI document. */
    List<String> windows() {
        return config.windows().stream().map(Duration::toDays).map(d -> d + "d").toList();
    }
}
