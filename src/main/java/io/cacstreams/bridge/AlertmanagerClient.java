package io.cacstreams.bridge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/** Posts alerts to Alertmanager's v2 API: {@code POST <base>/api/v2/alerts} with a JSON array. */
public final class AlertmanagerClient implements AlertSink {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final URI alerts;
    private final Duration timeout;

    /** @param base Alertmanager's URL, e.g. {@code http://alertmanager:9093} (a path prefix is kept) */
    public AlertmanagerClient(URI base, Duration timeout) {
        String b = base.toString();
        this.alerts = URI.create((b.endsWith("/") ? b : b + "/") + "api/v2/alerts");
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    public URI endpoint() {
        return alerts;
    }

    @Override
    public void post(List<PostableAlert> batch) throws Unavailable, Rejected {
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(batch);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write alerts as JSON", e);
        }
        HttpRequest request = HttpRequest.newBuilder(alerts).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Unavailable("POST " + alerts + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("POST " + alerts + ": interrupted", e);
        }
        int status = response.statusCode();
        if (status / 100 == 2) return;
        String answer = "POST " + alerts + ": HTTP " + status + " " + response.body().strip();
        if (status / 100 == 4 && status != 408 && status != 429) throw new Rejected(answer);
        throw new Unavailable(answer, null);
    }
}
