package io.cacstreams;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import io.cacstreams.ops.OpsServer;
import io.cacstreams.runtime.StreamsRuntime;

import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The rooms of the house and who may use what (main code only; tests may use anything):
 * <ul>
 *   <li>{@code topology} (the processing) knows nothing of the application around it: not {@code runtime},
 *       {@code cli}, {@code ops} nor {@code devstack};</li>
 *   <li>only {@code devstack} uses the broker test kit (the embedded broker of {@code demo} and the tests);</li>
 *   <li>only {@code runtime} starts Kafka Streams and the ops endpoints, so {@code run} and {@code demo} start the
 *       application one way ({@code runtime.StreamsApp}).</li>
 * </ul>
 */
@AnalyzeClasses(packages = "io.cacstreams", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {
    private static final Pattern KAFKA_JAR = Pattern.compile("/org/apache/kafka/([^/]+)/[^/]+/[^/]+\\.jar!/");
    /** The Apache Kafka artifacts an application may use; every other one is the broker or its test kit. */
    private static final Set<String> KAFKA_CLIENT_ARTIFACTS = Set.of("kafka-clients", "kafka-streams");

    /** The broker and its test kit: a class from an Apache Kafka jar other than the clients and Kafka Streams. */
    static final DescribedPredicate<JavaClass> BROKER_TEST_KIT = DescribedPredicate.describe(
            "belong to the broker or its test kit (an Apache Kafka jar other than " + KAFKA_CLIENT_ARTIFACTS + ")",
            c -> kafkaArtifact(c).filter(a -> !KAFKA_CLIENT_ARTIFACTS.contains(a)).isPresent());

    private static Optional<String> kafkaArtifact(JavaClass c) {
        return c.getSource().map(s -> KAFKA_JAR.matcher(s.getUri().toString())).filter(Matcher::find)
                .map(m -> m.group(1));
    }

    // @ArchTest methods, not ArchRule fields: Surefire 3.5.3 does not run fields (TNG/ArchUnit#1442)

    @ArchTest
    static void topologyKnowsNothingOfTheApplicationAroundIt(JavaClasses classes) {
        noClasses().that().resideInAPackage("io.cacstreams.topology..")
                .should().dependOnClassesThat().resideInAnyPackage("io.cacstreams.runtime..", "io.cacstreams.cli..",
                        "io.cacstreams.ops..", "io.cacstreams.devstack..")
                .check(classes);
    }

    @ArchTest
    static void onlyTheDevStackUsesTheBrokerTestKit(JavaClasses classes) {
        noClasses().that().resideOutsideOfPackage("io.cacstreams.devstack..")
                .should().dependOnClassesThat(BROKER_TEST_KIT)
                .check(classes);
        // the rule can fail: the dev stack's broker is seen to use the kit
        classes().that().haveFullyQualifiedName("io.cacstreams.devstack.EmbeddedKafka")
                .should().dependOnClassesThat(BROKER_TEST_KIT)
                .check(classes);
    }

    @ArchTest
    static void onlyTheRuntimeStartsKafkaStreamsAndTheOpsEndpoints(JavaClasses classes) {
        noClasses().that().resideOutsideOfPackage("io.cacstreams.runtime..")
                .should().callConstructorWhere(target(owner(assignableTo(StreamsRuntime.class))))
                .orShould().callConstructorWhere(target(owner(assignableTo(OpsServer.class))))
                .check(classes);
    }
}
