package io.cacstreams.model;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A randomised run: the {@code cac.*} settings (without registry and state settings, added per run) and the inputs
 * in arrival order. Offsets are not part of it: the player assigns them per topic from 0, as the test driver does.
 */
public record Scenario(Map<String, String> settings, List<ModelInput> inputs) {

    public Scenario {
        settings = Map.copyOf(settings);
        inputs = List.copyOf(inputs);
    }

    public Scenario withInputs(List<ModelInput> other) {
        return new Scenario(settings, other);
    }

    public long events() {
        return inputs.stream().filter(i -> i instanceof ModelInput.Event).count();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("settings:\n");
        new java.util.TreeMap<>(settings).forEach((k, v) -> sb.append("  ").append(k).append('=').append(v).append('\n'));
        sb.append("inputs (").append(inputs.size()).append("):\n");
        Map<InputTopic, Long> offsets = new java.util.EnumMap<>(InputTopic.class);
        for (ModelInput in : inputs) {
            if (in instanceof ModelInput.Event e) {
                long off = offsets.merge(e.topic(), 1L, Long::sum) - 1;
                sb.append("  ").append(e.topic()).append('@').append(off).append(' ').append(e.payload()).append('\n');
            } else {
                sb.append("  FLUSH\n");
            }
        }
        return sb.toString();
    }

    public String settingsLine() {
        return new java.util.TreeMap<>(settings).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", "));
    }
}
