package io.cacstreams.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cacstreams.config.QuerySettings;
import io.cacstreams.serde.SslContexts;
import org.apache.kafka.streams.state.HostInfo;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Asks another instance for its part of the view, over the same scheme (https when the server has a keystore,
 * trusting {@code cac.query.ssl.truststore.*}, else the JDK's trust store) and with the same credentials as the
 * instances are configured with (they share the configuration).
 */
final class PeerClient {
    private final HttpClient http;
    private final String scheme;
    private final String authorization;
    private final Duration timeout;
    private final ObjectMapper json;

    PeerClient(QuerySettings settings, ObjectMapper json) {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(settings.forwardTimeout())
                .followRedirects(HttpClient.Redirect.NEVER);
        if (settings.tls()) {
            SSLContext ssl = SslContexts.build(QuerySettings.PREFIX, settings.ssl());
            if (ssl != null) b.sslContext(ssl);
        }
        this.http = b.build();
        this.scheme = settings.tls() ? "https" : "http";
        this.authorization = Credentials.of(settings).authorizationHeader();
        this.timeout = settings.forwardTimeout();
        this.json = json;
    }

    /** GET {@code path} with the query {@code params} from {@code host}; its JSON error is passed on as it is. */
    JsonNode get(HostInfo host, String path, Map<String, String> params) {
        StringJoiner query = new StringJoiner("&", "?", "").setEmptyValue("");
        params.forEach((k, v) -> query.add(k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        URI uri = URI.create(scheme + "://" + host.host() + ":" + host.port() + path + query);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).GET()
                .header("Accept", "application/json");
        if (authorization != null) request.header("Authorization", authorization);
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw ApiException.badGateway("instance " + host.host() + ":" + host.port() + " did not answer: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted while asking instance " + host.host() + ":" + host.port());
        }
        JsonNode body;
        try {
            body = json.readTree(response.body());
        } catch (JsonProcessingException e) {
            throw ApiException.badGateway("instance " + host.host() + ":" + host.port() + " answered "
                    + response.statusCode() + " without JSON");
        }
        if (response.statusCode() == 200) return body;
        if (response.statusCode() == 401) {
            throw ApiException.badGateway("instance " + host.host() + ":" + host.port() + " refused this instance's"
                    + " credentials: are cac.query.bearer.token / cac.query.basic.auth.user.info the same on all?");
        }
        throw ApiException.of(response.statusCode(), body.path("error").asText("bad_gateway"),
                body.path("message").asText("instance " + host.host() + ":" + host.port() + " answered "
                        + response.statusCode()));
    }
}
