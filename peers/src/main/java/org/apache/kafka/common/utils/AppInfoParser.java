package org.apache.kafka.common.utils;

/**
 * A bridge for connect-file 4.3.1 (the FileStream connectors, which have no 4.4 release on
 * Maven Central) on the 4.4 clients: Kafka 4.4 moved AppInfoParser to
 * {@code org.apache.kafka.common.utils.internals}, and the connectors' {@code version()}
 * still calls it here. This is all that connect-file 4.3.1 needs of the old class (checked
 * with jdeps and javap), so the worker runs the FileStream connectors unchanged and they
 * report the 4.4 version, as connect-file 4.4 would.
 */
public final class AppInfoParser {

    private AppInfoParser() {
    }

    public static String getVersion() {
        return org.apache.kafka.common.utils.internals.AppInfoParser.getVersion();
    }

    public static String getCommitId() {
        return org.apache.kafka.common.utils.internals.AppInfoParser.getCommitId();
    }
}
