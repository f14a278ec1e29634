package io.cacstreams.serde;

import java.util.LinkedHashMap;
import java.util.Map;

/** A small thread-safe least-recently-used cache; the registry clients' id and schema caches. */
final class LruCache<K, V> {
    private final Map<K, V> entries;

    LruCache(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("cache capacity must be >= 1, was " + capacity);
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized V get(K key) {
        return entries.get(key);
    }

    synchronized void put(K key, V value) {
        entries.put(key, value);
    }

    synchronized int size() {
        return entries.size();
    }

    synchronized void clear() {
        entries.clear();
    }
}
