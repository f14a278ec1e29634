package io.cacstreams.topology;

/** Names of every state store and repartition topic: part of the deployed state, so renaming one loses state. */
public final class StoreNames {
    public static final String FX_RATES = "fx-rates-versioned";
    public static final String SPEND_CLOCK = "spend-clock";
    public static final String LEADS_CLOCK = "leads-clock";
    public static final String CUSTOMERS = "customers";
    public static final String PENDING_CHURNS = "pending-churns";
    public static final String CUSTOMER_DEDUP = "customer-dedup";
    public static final String CUSTOMER_CLOCK = "customer-clock";
    public static final String CHANNEL_STATE = "channel-state";
    public static final String CHANNEL_BUCKETS = "channel-buckets";
    public static final String CHANNEL_DEDUP = "channel-dedup";
    public static final String CHANNEL_CLOCK = "channel-clock";
    public static final String ALERT_STATE = "alert-state";

    public static final String SPEND_FACTS = "spend-facts-by-channel";
    public static final String LEAD_FACTS = "lead-facts-by-channel";
    public static final String CUSTOMER_FACTS = "customer-facts-by-channel";
    public static final String CONVERSIONS_BY_CUSTOMER = "conversions-by-customer";
    public static final String CHURN_BY_CUSTOMER = "churn-by-customer";

    private StoreNames() {
    }
}
