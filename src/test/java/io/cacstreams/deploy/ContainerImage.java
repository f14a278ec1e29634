package io.cacstreams.deploy;

/** The image the build makes ({@code image.name} in pom.xml, handed to the tests), as deployment files must name it. */
final class ContainerImage {
    static final String NAME = name();
    static final String REPOSITORY = NAME.substring(0, NAME.lastIndexOf(':'));

    private ContainerImage() {
    }

    private static String name() {
        String name = System.getProperty("cac.image");
        if (name == null || !name.contains(":")) {
            throw new IllegalStateException("system property cac.image (repository:tag) not set; run through Maven");
        }
        return name;
    }
}
