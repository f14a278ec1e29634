package io.cacstreams;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import io.cacstreams.ops.OpsServer;
import io.cacstreams.runtime.StreamsRuntime;

import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
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
 * Only the application's classes are read (archunit.properties: the classes they use are not resolved from the
 * class path, which took most of the time), so the rules name packages.
 */
@AnalyzeClasses(packages = "io.cacstreams", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {
    /**
     * The broker and its test kit: the kit ({@code org.apache.kafka.common.test}, KafkaClusterTestKit) and the
     * broker's own packages. ({@code org.apache.kafka.server} also holds kafka-clients' broker plug-in interfaces,
     * authorizer, policy, quota, telemetry: an application has no use for those either.)
     */
    static final DescribedPredicate<JavaClass> BROKER_TEST_KIT = resideInAnyPackage("org.apache.kafka.common.test..",
            "kafka..", "org.apache.kafka.server..", "org.apache.kafka.metadata..", "org.apache.kafka.network..",
            "org.apache.kafka.raft..", "org.apache.kafka.storage..", "org.apache.kafka.controller..",
            "org.apache.kafka.coordinator..", "org.apache.kafka.image..")
            .as("belong to the broker or its test kit");

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
