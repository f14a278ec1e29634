package io.cacstreams.topology;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A state store with a copy of its contents on the heap, written through: reads never leave the heap (no cache
 * lookup, RocksDB get or deserialisation), every write goes to the store at once, so what the store (and its
 * changelog) holds at a commit is exactly the copy. For the channel stage's small stores, which it reads several
 * times per settled bucket and channel (the profile in the perf notes: those round trips were a good part of the
 * stage's time). Built in {@code init}, after restoration, from the store itself; keys ordered as the store orders
 * them ({@link org.apache.kafka.common.utils.Bytes} compares bytes unsigned, as RocksDB does).
 * <p>
 * Values handed out are the copy's own objects: a caller that changes one must {@link #put} it back.
 */
final class Mirrored<K extends Comparable<K>, V> {
    private final KeyValueStore<K, V> store;
    private final TreeMap<K, V> copy = new TreeMap<>();

    Mirrored(KeyValueStore<K, V> store) {
        this.store = store;
        try (KeyValueIterator<K, V> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<K, V> kv = it.next();
                copy.put(kv.key, kv.value);
            }
        }
    }

    V get(K key) {
        return copy.get(key);
    }

    void put(K key, V value) {
        copy.put(key, value);
        store.put(key, value);
    }

    void delete(K key) {
        if (copy.remove(key) != null) store.delete(key);
    }

    /** The entries from {@code from} to {@code to}, both included (as {@link KeyValueStore#range}); a view. */
    NavigableMap<K, V> range(K from, K to) {
        return from.compareTo(to) > 0 ? new TreeMap<>() : copy.subMap(from, true, to, true);
    }

    /** Every entry in key order; a view. */
    NavigableMap<K, V> all() {
        return copy;
    }
}
