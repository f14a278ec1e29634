package io.cacstreams.topology;

import org.apache.kafka.streams.TopologyDescription;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeSet;

/** Renders a topology as the text of {@code describe()} and as a Mermaid flowchart (topology-docs/). */
public final class TopologyDocs {
    private TopologyDocs() {
    }

    public static String text(TopologyDescription d) {
        return d.toString().strip() + "\n";
    }

    public static String mermaid(TopologyDescription d) {
        StringBuilder out = new StringBuilder("flowchart LR\n");
        Set<String> topics = new TreeSet<>();
        Set<String> stores = new TreeSet<>();
        Set<String> edges = new LinkedHashSet<>();
        for (TopologyDescription.GlobalStore g : d.globalStores()) {
            out.append("  subgraph global[\"global store\"]\n");
            node(out, g.source());
            node(out, g.processor());
            out.append("  end\n");
            g.source().topicSet().forEach(t -> {
                topics.add(t);
                edges.add(id("t", t) + " --> " + id("n", g.source().name()));
            });
            edges.add(id("n", g.source().name()) + " --> " + id("n", g.processor().name()));
            g.processor().stores().forEach(s -> {
                stores.add(s);
                edges.add(id("n", g.processor().name()) + " -.- " + id("s", s));
            });
        }
        for (TopologyDescription.Subtopology sub : d.subtopologies()) {
            out.append("  subgraph sub").append(sub.id()).append("[\"sub-topology ").append(sub.id()).append("\"]\n");
            for (TopologyDescription.Node n : sub.nodes()) {
                node(out, n);
                for (TopologyDescription.Node next : n.successors()) {
                    edges.add(id("n", n.name()) + " --> " + id("n", next.name()));
                }
                if (n instanceof TopologyDescription.Source s && s.topicSet() != null) {
                    s.topicSet().forEach(t -> {
                        topics.add(t);
                        edges.add(id("t", t) + " --> " + id("n", n.name()));
                    });
                }
                if (n instanceof TopologyDescription.Sink s && s.topic() != null) {
                    topics.add(s.topic());
                    edges.add(id("n", n.name()) + " --> " + id("t", s.topic()));
                }
                if (n instanceof TopologyDescription.Processor p) {
                    p.stores().forEach(st -> {
                        stores.add(st);
                        edges.add(id("n", n.name()) + " -.- " + id("s", st));
                    });
                }
            }
            out.append("  end\n");
        }
        topics.forEach(t -> out.append("  ").append(id("t", t)).append("[/\"").append(t).append("\"/]\n"));
        stores.forEach(s -> out.append("  ").append(id("s", s)).append("[(\"").append(s).append("\")]\n"));
        edges.forEach(e -> out.append("  ").append(e).append('\n'));
        return out.toString();
    }

    private static void node(StringBuilder out, TopologyDescription.Node n) {
        out.append("    ").append(id("n", n.name())).append("[\"").append(n.name()).append("\"]\n");
    }

    private static String id(String kind, String name) {
        return kind + "_" + name.replaceAll("[^A-Za-z0-9_]", "_");
    }
}
