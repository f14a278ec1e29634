package io.cacstreams.topology;

/** Names of every state store and repartition topic: part of the deployed state, so renaming one loses state. */
public final class StoreNames {
    public static final String FX_RATES = "fx-rates-versioned";
    public static final String SPEND_CLOCK = "spend-clock";
    public static final String LEADS_CLOCK = "leads-clock";
    public static final String CONVERSIONS_CLOCK = "conversions-clock";
    public static final String CHURN_CLOCK = "churn-clock";
    public static final String EVENT_IDS = "event-ids";
    public static final String BUCKET_PARTIALS = "bucket-partials";
    public static final String BUCKET_PROGRESS = "bucket-progress";
    public static final String CUSTOMERS = "customers";
    public static final String PENDING_CHURNS = "pending-churns";
    public static final String CUSTOMER_PARTIALS = "customer-partials";
    public static final String CUSTOMER_PROGRESS = "customer-progress";
    public static final String CHANNEL_STATE = "channel-state";
    public static final String CHANNEL_BUCKETS = "channel-buckets";
    public static final String CHANNEL_PENDING = "channel-pending";
    public static final String CHANNEL_PROGRESS = "channel-progress";
    public static final String ALERT_STATE = "alert-state";

    public static final String SPEND_FACTS = "spend-by-bucket";
    public static final String LEAD_FACTS = "leads-by-bucket";
    public static final String CONVERSIONS_BY_CUSTOMER = "conversions-by-customer";
    public static final String CHURN_BY_CUSTOMER = "churn-by-customer";
    public static final String BUCKET_PARTIALS_BY_CHANNEL = "bucket-partials-by-channel";
    public static final String CUSTOMER_PARTIALS_BY_CHANNEL = "customer-partials-by-channel";

    private StoreNames() {
    }
}
