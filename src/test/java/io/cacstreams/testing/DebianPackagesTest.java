package io.cacstreams.testing;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What DebianPackages reads from apt, and where it finds files; the fetching itself runs in the ITs that use it. */
class DebianPackagesTest {

    @Test
    void theDependenciesToFetchAreWhatAptWouldInstallNotWhatItWouldConfigureOrRemove() {
        String simulation = String.join("\n",
                "NOTE: This is only a simulation!",
                "The following NEW packages will be installed:",
                "  chromium libxnvctrl0",
                "Inst libxnvctrl0 (525.85.05-3~deb12u1 Debian:12.11/stable [amd64])",
                "Inst chromium [155.0.1-1~deb12u1] (156.0.8078.108-1~deb12u1 Debian-Security:12/stable-security"
                        + " [amd64])",
                "Remv chromium-sandbox [155.0.1-1~deb12u1]",
                "Conf libxnvctrl0 (525.85.05-3~deb12u1 Debian:12.11/stable [amd64])",
                "Conf chromium (156.0.8078.108-1~deb12u1 Debian-Security:12/stable-security [amd64])");
        assertThat(DebianPackages.names(simulation)).containsExactly("libxnvctrl0", "chromium");
        assertThat(DebianPackages.names("0 upgraded, 0 newly installed, 0 to remove")).isEmpty();
    }

    @Test
    void aFileIsLookedUpByItsInstalledPathUnderTheTreesRoot() {
        DebianPackages.Tree unpacked = new DebianPackages.Tree(Path.of("/w/target/debian-chromium/root"), Map.of(),
                List.of("chromium"));
        assertThat(unpacked.file("/usr/bin/chromedriver"))
                .isEqualTo(Path.of("/w/target/debian-chromium/root/usr/bin/chromedriver"));
        assertThat(unpacked.origin()).isEqualTo("1 Debian package unpacked in /w/target/debian-chromium/root");
        DebianPackages.Tree installed = new DebianPackages.Tree(Path.of("/"), Map.of(), List.of());
        assertThat(installed.file("/usr/bin/promtool")).isEqualTo(Path.of("/usr/bin/promtool"));
        assertThat(installed.origin()).isEqualTo("installed");
    }
}
