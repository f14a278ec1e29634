package io.cacstreams.bridge;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Map;

/**
 * One alert as Alertmanager's v2 API takes it ({@code POST /api/v2/alerts}, the {@code postableAlert} of its OpenAPI
 * spec). Times are RFC 3339; an alert whose {@code endsAt} has passed is resolved.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PostableAlert(Map<String, String> labels, Map<String, String> annotations, String startsAt,
                            String endsAt, @JsonProperty("generatorURL") String generatorUrl) {

    public PostableAlert {
        labels = Map.copyOf(labels);
        annotations = Map.copyOf(annotations);
    }
}
