package io.cacstreams.report;

import io.cacstreams.alerts.AlertEvaluator;
import io.cacstreams.alerts.AlertInput;
import io.cacstreams.config.AlertThresholds;
import io.cacstreams.config.AppConfig;
import io.cacstreams.config.TopicNames;
import io.cacstreams.events.AlertStatus;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.Churn;
import io.cacstreams.events.Conversion;
import io.cacstreams.events.FxRate;
import io.cacstreams.events.MarketingSpend;
import io.cacstreams.generator.ChannelProfile;
import io.cacstreams.generator.Fault;
import io.cacstreams.generator.GeneratedEvent;
import io.cacstreams.generator.MarketTruth;
import io.cacstreams.generator.SyntheticMarket;
import io.cacstreams.internal.AlertState;
import io.cacstreams.metrics.CustomerBase;
import io.cacstreams.metrics.Economics;
import io.cacstreams.metrics.LtvCacInterval;
import io.cacstreams.metrics.WindowCounts;
import io.cacstreams.report.EpisodeMatcher.Matched;
import io.cacstreams.report.EpisodeMatcher.Result;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * A development tool, not a test: the LTV:CAC rule on many seeds of the synthetic market in seconds each, without
 * Kafka, to tell a property of the rule from the luck of one seed (what {@code demo --alert-report} measures on the
 * real topology takes minutes per seed).
 * <p>
 * Each hourly window's counts are computed straight from the generated events (bad records and duplicates left out,
 * every event in its own hour: what a settled window holds when the input arrives in order), then the interval
 * ({@link LtvCacInterval}) and the rule ({@link AlertEvaluator}) exactly as the channel stage calls them, and the
 * transitions are scored by {@link EpisodeMatcher} against {@link MarketTruth}. Checked against the topology: seed 42,
 * 120 days, default settings gave the same four transitions, to the hour, as {@code demo --alert-report}.
 * <pre>
 * mvn -q test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp target/test-classes:target/classes:$(cat target/cp.txt) io.cacstreams.report.AlertRuleStudy \
 *     summary 120 1 20 0.95 0.9 0.85      # days, seeds 1..20, confidence levels (of each bound)
 * java -cp ... io.cacstreams.report.AlertRuleStudy trace 120 42 paid_social 7 17 27   # one window, day by day
 * </pre>
 */
public final class AlertRuleStudy {
    private static final long HOUR = 3_600_000L;
    private static final int[] WINDOWS = {7, 30, 90};
    /** Hours of history before the market's start: its customer base is acquired 150 to 100 days before. */
    private static final int HISTORY_HOURS = 160 * 24;

    private AlertRuleStudy() {
    }

    public static void main(String[] args) {
        AppConfig config = AppConfig.defaults();
        int days = Integer.parseInt(args[1]);
        if (args[0].equals("trace")) {
            trace(Long.parseLong(args[2]), days, config, args[3], Integer.parseInt(args[4]),
                    Double.parseDouble(args[5]), Double.parseDouble(args[6]));
            return;
        }
        long from = Long.parseLong(args[2]);
        long to = Long.parseLong(args[3]);
        double[] levels = Arrays.stream(args, 4, args.length).mapToDouble(Double::parseDouble).toArray();
        Map<Double, List<Result>> week = new TreeMap<>();
        Map<Double, List<Result>> all = new TreeMap<>();
        for (long seed = from; seed <= to; seed++) {
            Market market = Market.of(seed, days, config);
            for (double level : levels) {
                for (String channel : market.channels()) {
                    for (int w : WINDOWS) {
                        if (w > days) continue;
                        Result r = EpisodeMatcher.match(market.truth(channel, w), market.alerts(channel, w, level),
                                EpisodeMatcher.Criteria.defaults());
                        all.computeIfAbsent(level, l -> new ArrayList<>()).add(r);
                        if (w == AlertReport.DETECT_WINDOW_DAYS) week.computeIfAbsent(level, l -> new ArrayList<>())
                                .add(r);
                        if (!r.episodes().isEmpty() || r.firings() > 0) {
                            System.out.printf(Locale.ROOT, "seed %d, %.2f, %s %dd: %s%n", seed, level, channel, w,
                                    describe(r, market.start));
                        }
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "%nseeds %d to %d, %d days%n%10s %8s %14s %6s %5s %18s %s%n", from, to, days,
                "confidence", "episodes", "not one each", "false", "dip", "7d late (> 4 d)", "7d days to detect");
        for (double level : levels) {
            List<Matched> episodes = all.get(level).stream().flatMap(r -> r.episodes().stream()).toList();
            List<Double> detect = week.get(level).stream().flatMap(r -> r.episodes().stream())
                    .map(m -> m.detectDays() == null ? Double.POSITIVE_INFINITY : m.detectDays()).sorted().toList();
            System.out.printf(Locale.ROOT, "%10.2f %8d %14d %6d %5d %18d %s%n", level, episodes.size(),
                    episodes.stream().filter(m -> !m.oneFiringOneResolved()).count(),
                    all.get(level).stream().mapToInt(r -> r.falseFirings().size()).sum(),
                    all.get(level).stream().mapToInt(r -> r.dipFirings().size()).sum(),
                    detect.stream().filter(d -> d > AlertReport.DETECT_WITHIN_DAYS).count(),
                    detect.stream().map(d -> String.format(Locale.ROOT, "%.1f", d)).toList());
        }
    }

    private static String describe(Result r, long start) {
        StringBuilder b = new StringBuilder();
        for (Matched m : r.episodes()) {
            b.append(String.format(Locale.ROOT, "episode %.2f-%.2f, detect %s, resolve %s%s; ",
                    (m.episode().start() - start) / 86_400e3, (m.episode().end() - start) / 86_400e3,
                    days(m.detectDays()), days(m.resolveDays()), m.oneFiringOneResolved() ? "" : ", NOT one each"));
        }
        return b.append(r.firings()).append(" FIRING(s), false ").append(r.falseFirings().size()).append(", dip ")
                .append(r.dipFirings().size()).toString();
    }

    private static String days(Double d) {
        return d == null ? "-" : String.format(Locale.ROOT, "%.2f", d);
    }

    /**
     * One window: truth, estimate and the bounds at 95 % and 90 % (each one-sided), every 6 hours from day
     * {@code from} to {@code to}.
     */
    static void trace(long seed, int days, AppConfig config, String channel, int w, double from, double to) {
        Market market = Market.of(seed, days, config);
        Window win = market.windows.get(channel + "|" + w);
        TruthSeries truth = market.truth(channel, w);
        for (int j = 0; j < win.counts.length; j++) {
            double day = (truth.time(j) - market.start) / 86_400e3;
            if (day < from || day > to || j % 6 != 0) continue;
            LtvCacInterval a = LtvCacInterval.of(win.counts[j], win.bases[j], w, 0, OptionalInt.empty(), 0.95);
            LtvCacInterval b = LtvCacInterval.of(win.counts[j], win.bases[j], w, 0, OptionalInt.empty(), 0.9);
            WindowCounts c = win.counts[j];
            System.out.printf(Locale.ROOT, "day %6.2f truth %5.2f estimate %5.2f  95%% [%5.2f, %5.2f]  90%% [%5.2f,"
                            + " %5.2f]  new %3d, churned from the start %3d of %d%n", day, truth.values()[j],
                    a.ratio(), a.lower(), a.upper(), b.lower(), b.upper(), c.newCustomers(),
                    c.churned() - c.churnedNew(),
                    Economics.of(c, win.bases[j], w, 0, OptionalInt.empty()).customersAtStart());
        }
    }

    /** One (channel, window): the counts and customer base of every window ending on an hour of the judged days. */
    private record Window(int firstEnd, WindowCounts[] counts, CustomerBase[] bases) {
    }

    private record Customer(String channel, int acquired, double revenue, double margin, int[] churned) {
    }

    /** One seed's market, its events reduced to hourly sums, its truth, and the windows of every channel. */
    private static final class Market {
        final long start;
        final int days;
        final AppConfig config;
        final MarketTruth truth;
        final Map<String, Window> windows = new LinkedHashMap<>();

        private Market(long start, int days, AppConfig config, MarketTruth truth) {
            this.start = start;
            this.days = days;
            this.config = config;
            this.truth = truth;
        }

        List<String> channels() {
            List<String> names = new ArrayList<>(ChannelProfile.defaults().stream().map(ChannelProfile::name).toList());
            names.add(AppConfig.ALL);
            return names;
        }

        TruthSeries truth(String channel, int w) {
            return new TruthSeries(start + w * 24 * HOUR, HOUR,
                    truth.windowSeries(channel, w, w * 24, days * 24, config));
        }

        /** The rule at {@code confidence}, evaluated on every window in order: its alerts as spans. */
        List<AlertSpan> alerts(String channel, int w, double confidence) {
            AlertThresholds t = config.alertDefaults();
            AlertEvaluator evaluator = new AlertEvaluator(new AlertThresholds(t.threshold(), t.critical(),
                    t.hysteresis(), t.forSpan(), t.minNewCustomers(), confidence), "", config.reportingCurrency());
            Window win = windows.get(channel + "|" + w);
            AlertState state = AlertEvaluator.idle();
            Map<String, long[]> spans = new LinkedHashMap<>();
            for (int j = 0; j < win.counts.length; j++) {
                WindowCounts c = win.counts[j];
                Economics e = Economics.of(c, win.bases[j], w, 0, OptionalInt.empty());
                LtvCacInterval iv = LtvCacInterval.of(c, win.bases[j], w, 0, OptionalInt.empty(), confidence);
                AlertInput in = new AlertInput(channel, w, iv, e.cac(), e.ltv(), c.spend().doubleValue(),
                        c.newCustomers(), true, true, start + (win.firstEnd + j) * HOUR);
                AlertEvaluator.Outcome o = evaluator.ltvToCac(state, in);
                state = o.state();
                if (o.transition().isEmpty()) continue;
                ChannelAlert a = o.transition().get();
                long[] s = spans.computeIfAbsent(a.getAlertId(), id -> new long[]{a.getStartsAt().toEpochMilli(), -1});
                if (a.getStatus() == AlertStatus.RESOLVED) s[1] = a.getEndsAt().toEpochMilli();
            }
            List<AlertSpan> out = new ArrayList<>();
            spans.forEach((id, s) -> out.add(new AlertSpan(id, s[0], s[1] < 0 ? null : s[1], 0)));
            return out;
        }

        static Market of(long seed, int days, AppConfig config) {
            SyntheticMarket m = new SyntheticMarket(seed, AlertReportRun.MARKET_START, TopicNames.defaults(),
                    ChannelProfile.defaults(), SyntheticMarket.Options.defaults());
            Market market = new Market(m.start().toEpochMilli(), days, config, m.truth());
            int hours = HISTORY_HOURS + (days + 1) * 24;
            Map<String, double[]> spend = new HashMap<>();
            Map<String, TreeMap<Long, Double>> fx = new HashMap<>();
            List<Customer> customers = new ArrayList<>();
            Map<String, Customer> byId = new HashMap<>();
            List<GeneratedEvent> events = new ArrayList<>(m.history());
            for (int h = 0; h < (days + 1) * 24; h++) events.addAll(m.nextHour());
            for (GeneratedEvent e : events) {
                if (e.fault() != Fault.NONE) continue; // dead-lettered or a duplicate: counted nowhere, or once
                int hour = (int) Math.floorDiv(e.occurredAt() - market.start, HOUR) + HISTORY_HOURS;
                if (e.value() instanceof FxRate r) {
                    fx.computeIfAbsent(r.getCurrency(), c -> new TreeMap<>())
                            .put(r.getValidFrom().toEpochMilli(), r.getRateToReporting().doubleValue());
                } else if (e.value() instanceof MarketingSpend s) {
                    spend.computeIfAbsent(s.getChannel(), c -> new double[hours])[hour] +=
                            s.getAmount().doubleValue() * rate(fx, s.getCurrency(), e.occurredAt());
                } else if (e.value() instanceof Conversion c) {
                    double margin = c.getGrossMargin() != null ? c.getGrossMargin() : config.marginFor(c.getChannel());
                    Customer k = new Customer(c.getChannel(), hour, c.getMonthlyRevenue().doubleValue()
                            * rate(fx, c.getCurrency(), e.occurredAt()), margin, new int[]{Integer.MAX_VALUE});
                    customers.add(k);
                    byId.put(c.getCustomerId(), k);
                } else if (e.value() instanceof Churn ch && byId.containsKey(ch.getCustomerId())) {
                    byId.get(ch.getCustomerId()).churned()[0] = hour;
                }
            }
            for (String channel : market.channels()) {
                boolean all = channel.equals(AppConfig.ALL);
                List<Customer> of = customers.stream().filter(c -> all || c.channel().equals(channel)).toList();
                double[] spent = new double[hours + 1]; // cumulative
                for (int h = 0; h < hours; h++) {
                    double sum = 0;
                    for (Map.Entry<String, double[]> s : spend.entrySet()) {
                        if (all || s.getKey().equals(channel)) sum += s.getValue()[h];
                    }
                    spent[h + 1] = spent[h] + sum;
                }
                for (int w : WINDOWS) {
                    if (w > days) continue;
                    int firstEnd = w * 24;
                    int n = days * 24 - firstEnd + 1;
                    Window win = new Window(firstEnd, new WindowCounts[n], new CustomerBase[n]);
                    for (int j = 0; j < n; j++) {
                        int end = firstEnd + j + HISTORY_HOURS; // exclusive, in hours since the history's start
                        int begin = end - w * 24;
                        long acquired = 0;
                        long churned = 0;
                        long churnedNew = 0;
                        long active = 0;
                        double revenue = 0;
                        double margins = 0;
                        for (Customer c : of) {
                            if (c.acquired() >= end) continue;
                            boolean inside = c.acquired() >= begin;
                            if (inside) acquired++;
                            int gone = c.churned()[0];
                            if (gone < end) {
                                if (gone >= begin) churned++;
                                if (inside) churnedNew++;
                            } else {
                                active++;
                                revenue += c.revenue();
                                margins += c.margin();
                            }
                        }
                        win.counts[j] = new WindowCounts(BigDecimal.valueOf(spent[end] - spent[begin]), 0, 0, 0,
                                acquired, churned, churnedNew);
                        win.bases[j] = new CustomerBase(active, BigDecimal.valueOf(revenue),
                                BigDecimal.valueOf(margins));
                    }
                    market.windows.put(channel + "|" + w, win);
                }
            }
            return market;
        }

        private static double rate(Map<String, TreeMap<Long, Double>> fx, String currency, long at) {
            return currency.equals("USD") ? 1.0 : fx.get(currency).floorEntry(at).getValue();
        }
    }
}
