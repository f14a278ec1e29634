package io.cacstreams.serde;

import io.cacstreams.config.RegistrySettings;
import org.apache.avro.Schema;

import java.io.Closeable;

/**
 * A client of the Confluent Schema Registry REST API (also spoken by Apicurio's {@code /apis/ccompat/v7},
 * Karapace and Redpanda). Implementations cache ids and schemas; they are thread-safe.
 */
public interface SchemaRegistryClient extends Closeable {

    /** Registers {@code schema} under {@code subject} (idempotent) and returns its global id. */
    int register(String subject, Schema schema);

    /** The id of {@code schema} under {@code subject}; {@link SchemaNotFoundException} if it is not registered. */
    int lookup(String subject, Schema schema);

    /** The schema with this global id; {@link SchemaNotFoundException} if there is none. */
    Schema getById(int id);

    /** The latest version registered under {@code subject}; {@link SchemaNotFoundException} if none. */
    SchemaVersion latest(String subject);

    @Override
    void close();

    /** An HTTP(S) client for {@code http(s)://} URLs, or the in-process registry for {@code mock://<scope>}. */
    static SchemaRegistryClient create(RegistrySettings settings) {
        String url = settings.url().strip();
        String mockPrefix = "mock://";
        if (url.regionMatches(true, 0, mockPrefix, 0, mockPrefix.length())) {
            return MockSchemaRegistry.client(url.substring(mockPrefix.length()));
        }
        return new HttpSchemaRegistryClient(settings);
    }

    /** TopicNameStrategy: {@code <topic>-value} or {@code <topic>-key}. */
    static String subject(String topic, boolean isKey) {
        return topic + (isKey ? "-key" : "-value");
    }
}
