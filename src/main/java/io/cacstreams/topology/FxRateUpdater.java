package io.cacstreams.topology;

import io.cacstreams.events.FxRate;
import io.cacstreams.serde.AvroCodec;
import io.cacstreams.serde.DecodeException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the global versioned fx store: one version per (currency, validFrom). A global-store processor cannot
 * produce records, so a bad fx record is logged with its coordinates and counted; it stays in the fx topic.
 */
final class FxRateUpdater implements Processor<byte[], byte[], Void, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(FxRateUpdater.class);
    private final AvroCodec<FxRate> codec;
    private final TopologyObserver observer;
    private VersionedKeyValueStore<String, String> store;
    private ProcessorContext<Void, Void> context;

    FxRateUpdater(AvroCodec<FxRate> codec, TopologyObserver observer) {
        this.codec = codec;
        this.observer = observer;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        this.store = context.getStateStore(StoreNames.FX_RATES);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        String where = context.recordMetadata().map(m -> m.topic() + "-" + m.partition() + "@" + m.offset()).orElse("?");
        String topic = context.recordMetadata().map(m -> m.topic()).orElse("fx-rates");
        FxRate rate;
        try {
            rate = codec.decode(topic, record.value());
        } catch (DecodeException e) {
            LOG.warn("Ignoring fx record {}: {} ({})", where, e.reason(), e.getMessage());
            observer.invalidFxRate(e.reason().name());
            return;
        }
        String currency = rate.getCurrency();
        if (!InputRules.currencyCode(currency) || rate.getRateToReporting() == null
                || rate.getRateToReporting().signum() <= 0) {
            LOG.warn("Ignoring fx record {}: currency '{}' rate {} (need an ISO 4217 code and a rate > 0)",
                    where, currency, rate.getRateToReporting());
            observer.invalidFxRate("INVALID_FIELD");
            return;
        }
        store.put(currency, rate.getRateToReporting().toPlainString(), rate.getValidFrom().toEpochMilli());
    }
}
