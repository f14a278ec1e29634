package io.cacstreams.serde;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One JSON request/response exchange with a Confluent-API registry, with bounded retries. Connection errors,
 * timeouts, 5xx, 408 and 429 are retried up to {@code maxRetries} times with exponential backoff (doubling from
 * {@code retryBackoff}, at most {@link #MAX_BACKOFF} unless the configured backoff is longer, with +-20% jitter),
 * then end in {@link RegistryUnavailableException}. 404 with a Confluent 404xx error code is
 * {@link SchemaNotFoundException} (a bare 404 is a wrong URL, a plain RegistryException); any other status is a
 * {@link RegistryException} with a one-line message naming method, URL, status, the registry's error code and
 * message. The basic-auth password is only ever in the Authorization header.
 */
final class RegistryHttp {
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    private static final String ACCEPT = CONTENT_TYPE + ", application/vnd.schemaregistry+json; q=0.9, "
            + "application/json; q=0.5";
    private static final int MAX_DETAIL = 300;
    private static final Logger LOG = LoggerFactory.getLogger(RegistryHttp.class);
    static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final String authorization;
    private final Duration timeout;
    private final int maxRetries;
    private final Duration retryBackoff;
    private final Redactor redactor;
    private final HttpClient client;

    /**
     * @param baseUrl    http(s) URL without user info, with any path prefix and without a trailing slash
     * @param userInfo   {@code user:password} for basic auth, or null
     * @param sslContext null for the JDK default
     */
    RegistryHttp(String baseUrl, String userInfo, Duration timeout, int maxRetries, Duration retryBackoff,
                 SSLContext sslContext, Redactor redactor) {
        this.baseUrl = baseUrl;
        this.authorization = userInfo == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
        this.timeout = timeout;
        this.maxRetries = maxRetries;
        this.retryBackoff = retryBackoff;
        this.redactor = redactor;
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(timeout);
        if (sslContext != null) builder.sslContext(sslContext);
        this.client = builder.build();
    }

    String baseUrl() {
        return baseUrl;
    }

    JsonNode get(String path) {
        return exchange("GET", path, null);
    }

    JsonNode post(String path, JsonNode body) {
        try {
            return exchange("POST", path, JSON.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON request body", e);
        }
    }

    private JsonNode exchange(String method, String path, String body) {
        URI uri = URI.create(baseUrl + path);
        String what = "schema registry " + method + " " + uri;
        HttpRequest request = request(method, uri, body);
        String lastProblem = null;
        int lastStatus = -1;
        Throwable lastCause = null;
        for (int attempt = 0; ; attempt++) {
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status >= 200 && status < 300) return parse(what, status, response.body());
                if (!retryable(status)) throw failure(what, status, response.body());
                lastStatus = status;
                lastCause = null;
                lastProblem = "HTTP " + status + errorDetail(response.body());
            } catch (IOException e) {
                // Connection refused or reset, TLS failure, connect or request timeout (HttpTimeoutException).
                lastStatus = -1;
                lastCause = e;
                lastProblem = redactor.oneLine(Text.describe(e, MAX_DETAIL), MAX_DETAIL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryUnavailableException(what + ": interrupted", -1, e);
            }
            if (attempt >= maxRetries) {
                throw new RegistryUnavailableException(what + ": unavailable after " + (attempt + 1)
                        + (attempt == 0 ? " attempt" : " attempts") + ", last: " + lastProblem, lastStatus, lastCause);
            }
            Duration pause = backoff(attempt);
            LOG.warn("{}: {}; retry {}/{} in {} ms", what, lastProblem, attempt + 1, maxRetries, pause.toMillis());
            try {
                Thread.sleep(pause.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryUnavailableException(what + ": interrupted while waiting to retry, last: "
                        + lastProblem, lastStatus, lastCause);
            }
        }
    }

    private HttpRequest request(String method, URI uri, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Accept", ACCEPT);
        if (authorization != null) b.header("Authorization", authorization);
        if (body == null) {
            b.GET();
        } else {
            b.header("Content-Type", CONTENT_TYPE)
                    .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        }
        return b.build();
    }

    static boolean retryable(int status) {
        return status >= 500 || status == 408 || status == 429;
    }

    /** The pause before retry number {@code attempt + 1}. */
    Duration backoff(int attempt) {
        long base = Math.max(0, retryBackoff.toMillis());
        long cap = Math.max(base, MAX_BACKOFF.toMillis());
        long exp = base << Math.min(attempt, 20);
        long millis = Math.min(cap, exp < 0 ? cap : exp);
        double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
        return Duration.ofMillis(Math.round(millis * jitter));
    }

    private JsonNode parse(String what, int status, String body) {
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new RegistryException(what + ": HTTP " + status + " with a body that is not JSON: "
                    + redactor.oneLine(body, 120), status, null);
        }
    }

    private RegistryException failure(String what, int status, String body) {
        ErrorBody error = ErrorBody.parse(body, redactor);
        String message = what + ": HTTP " + status + error.detail();
        if (status == 404) {
            // Only the registry's own "not found" (40401 subject, 40402 version, 40403 schema, ...) is a verdict.
            // A bare 404 (error_code 404, or an HTML page) means there is no registry API at this URL: a wrong
            // path prefix must not turn every record into UNKNOWN_SCHEMA_ID.
            if (error.code() != null && error.code() / 100 == 404) return new SchemaNotFoundException(message);
            return new RegistryException(message + " (no schema registry API at this URL? check cac.registry.url"
                    + " and its path prefix)", status, null);
        }
        if (status == 401 || status == 403) {
            return new RegistryException(message + " (check the registry credentials)", status, null);
        }
        return new RegistryException(message, status, null);
    }

    private String errorDetail(String body) {
        return ErrorBody.parse(body, redactor).detail();
    }

    /** A Confluent error body {@code {"error_code": 40403, "message": "..."}}, or whatever text came instead. */
    private record ErrorBody(Integer code, String text, boolean json) {
        static ErrorBody parse(String body, Redactor redactor) {
            if (body == null || body.isBlank()) return new ErrorBody(null, "", false);
            try {
                JsonNode node = JSON.readTree(body);
                if (node != null && node.isObject() && (node.has("error_code") || node.has("message"))) {
                    JsonNode code = node.get("error_code");
                    return new ErrorBody(code != null && code.canConvertToInt() ? code.intValue() : null,
                            redactor.oneLine(node.path("message").asText(""), MAX_DETAIL), true);
                }
            } catch (JsonProcessingException e) {
                // not JSON: use the text
            }
            return new ErrorBody(null, redactor.oneLine(body, MAX_DETAIL), false);
        }

        /** " (error 42201): message", or ": body text". */
        String detail() {
            if (!json) return text.isEmpty() ? "" : ": " + text;
            return (code == null ? "" : " (error " + code + ")") + (text.isEmpty() ? "" : ": " + text);
        }
    }
}
