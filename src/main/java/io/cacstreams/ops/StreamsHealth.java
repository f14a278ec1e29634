package io.cacstreams.ops;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KafkaStreams.State;

import java.util.function.Supplier;

/**
 * Liveness and readiness of the Kafka Streams client, from a supplier of its state (in production
 * {@code kafkaStreams::state}; in tests anything).
 * <ul>
 *   <li><b>ready</b> only while RUNNING (not while CREATED, REBALANCING or shutting down): traffic and rollouts wait
 *       for it;</li>
 *   <li><b>live</b> unless ERROR or PENDING_ERROR, or NOT_RUNNING after an error was seen (an errored client that was
 *       then closed): a restart is the only way out of those. A client that is NOT_RUNNING after a clean close is
 *       still live: it is on its way out by itself.</li>
 * </ul>
 * An error is remembered once seen, whether through {@link #state()} or through {@link #onChange} (register this as,
 * or call it from, the client's state listener so that a short-lived ERROR is not missed between two probes).
 */
public final class StreamsHealth implements KafkaStreams.StateListener {
    private final Supplier<State> source;
    private volatile boolean errorSeen;

    public StreamsHealth(Supplier<State> source) {
        this.source = source;
    }

    /** Before the client exists: CREATED, so live but not ready. */
    public static StreamsHealth notStarted() {
        return new StreamsHealth(() -> State.CREATED);
    }

    public State state() {
        State s = source.get();
        if (s == null) s = State.CREATED;
        note(s);
        return s;
    }

    @Override
    public void onChange(State newState, State oldState) {
        note(newState);
    }

    private void note(State s) {
        if (s == State.ERROR || s == State.PENDING_ERROR) errorSeen = true;
    }

    public boolean errorSeen() {
        return errorSeen;
    }

    public boolean ready() {
        return state() == State.RUNNING;
    }

    public boolean live() {
        return isLive(state(), errorSeen);
    }

    static boolean isLive(State s, boolean errorSeen) {
        return switch (s) {
            case ERROR, PENDING_ERROR -> false;
            case NOT_RUNNING -> !errorSeen;
            default -> true;
        };
    }
}
