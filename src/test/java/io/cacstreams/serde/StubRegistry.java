package io.cacstreams.serde;

import org.apache.avro.Schema;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A hand-driven registry for codec tests: fixed ids, call counters and an injectable failure. */
final class StubRegistry implements SchemaRegistryClient {
    final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    final Map<String, Integer> idsBySubject = new ConcurrentHashMap<>();
    final AtomicInteger registerCalls = new AtomicInteger();
    final AtomicInteger lookupCalls = new AtomicInteger();
    final AtomicInteger getByIdCalls = new AtomicInteger();
    volatile int nextId;
    volatile RuntimeException failure;

    StubRegistry(int firstId) {
        this.nextId = firstId;
    }

    StubRegistry put(int id, Schema schema) {
        schemasById.put(id, schema);
        return this;
    }

    @Override
    public synchronized int register(String subject, Schema schema) {
        registerCalls.incrementAndGet();
        failIfAsked();
        int id = nextId++;
        schemasById.put(id, schema);
        idsBySubject.put(subject, id);
        return id;
    }

    @Override
    public int lookup(String subject, Schema schema) {
        lookupCalls.incrementAndGet();
        failIfAsked();
        Integer id = idsBySubject.get(subject);
        if (id == null) throw new SchemaNotFoundException("stub: subject " + subject + " not found");
        return id;
    }

    @Override
    public Schema getById(int id) {
        getByIdCalls.incrementAndGet();
        failIfAsked();
        Schema schema = schemasById.get(id);
        if (schema == null) throw new SchemaNotFoundException("stub: schema id " + id + " not found");
        return schema;
    }

    @Override
    public SchemaVersion latest(String subject) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
    }

    private void failIfAsked() {
        RuntimeException f = failure;
        if (f != null) throw f;
    }
}
