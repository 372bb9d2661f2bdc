package io.apsisimport.local;

import io.apsisimport.sim.ApsisSimulator;
import java.nio.file.Path;

/** Defaults shared by bin/local-import and the end-to-end tests. */
public final class LocalSupport {
    public static final String SIM_CLIENT_ID = "demo-client";
    public static final String SIM_CLIENT_SECRET = "demo-secret";

    private LocalSupport() {}

    /** The repository's statemachine/import.asl.json (bin/local-import passes -Dapsisimport.home). */
    public static Path definition() {
        return Path.of(System.getProperty("apsisimport.home", ".")).resolve("statemachine/import.asl.json");
    }

    /** The APSIS One simulator as bin/local-import runs it: a couple of seconds per import. */
    static ApsisSimulator startSimulator() {
        return ApsisSimulator.start(ApsisSimulator.Config.defaults());
    }
}
