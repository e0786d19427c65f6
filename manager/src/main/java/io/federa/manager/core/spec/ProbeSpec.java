package io.federa.manager.core.spec;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the manager asks an application inside its VM whether it serves, reached where the VM's
 * host forwards the guest's port (the agent reports it). What is asked is one of three
 * {@link Ask}s: an HTTP GET, a Jolokia read, an SNMP GET. An answer that passes within
 * {@code timeout} passes; anything else fails, with the reason. The answer may carry the
 * application's own load.
 *
 * @param ask           what is asked, and on which guest port
 * @param every         how often each instance is asked
 * @param timeout       the whole answer's deadline (shorter than {@code every})
 * @param restartAfter  consecutive failures after which the instance's VM is restarted (0: never)
 * @param startGrace    how long after its VM starts an instance that has not answered yet may keep
 *                      failing without being restarted (a guest booting); it is not serving meanwhile
 *                      all the same. Once it has answered, the grace is over: failures count at once
 * @param loadField     where a passing answer carries the application's own load, between 0 and 1,
 *                      which a scaling policy on {@code metric: application} reads: a top-level number
 *                      of the JSON body (HTTP), an attribute of the same MBean (Jolokia), an OID whose
 *                      value is a percentage, 0–100 (SNMP)
 */
public record ProbeSpec(Ask ask, Duration every, Duration timeout, int restartAfter, Duration startGrace,
                        Optional<String> loadField) {
    public static final Duration DEFAULT_EVERY = Duration.ofSeconds(5);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    public static final int DEFAULT_RESTART_AFTER = 3;
    public static final Duration DEFAULT_START_GRACE = Duration.ofSeconds(120);

    /** What a probe asks: the guest port it goes to, and how it reads the answer. */
    public sealed interface Ask permits Http, Jolokia, Snmp {
        /** The guest's port. */
        int port();

        /** Whether the port is a UDP one (SNMP); TCP otherwise. */
        default boolean udp() {
            return false;
        }

        /** The guest port as the agent's {@code Endpoints} names it: {@code 80}, or {@code 161/udp}. */
        default String endpoint() {
            return udp() ? port() + "/udp" : Integer.toString(port());
        }

        /** What is asked, for messages: {@code GET :80/health}. */
        String describe();
    }

    /** An HTTP GET of {@code path}; a 2xx answer passes. */
    public record Http(int port, String path) implements Ask {
        public Http {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public String describe() {
            return "GET :" + port + path;
        }
    }

    /**
     * A Jolokia read of {@code attribute} of {@code mbean} (POSTed to the agent's {@code path});
     * passes when Jolokia answers the read with status 200 and the attribute is not {@code false}.
     */
    public record Jolokia(int port, String path, String mbean, String attribute) implements Ask {
        public Jolokia {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(mbean, "mbean");
            Objects.requireNonNull(attribute, "attribute");
        }

        @Override
        public String describe() {
            return "Jolokia :" + port + " read " + mbean + " " + attribute;
        }
    }

    /**
     * An SNMP GET of {@code oid} (SNMPv2c with a read-only {@code community}) on a guest UDP port;
     * passes when the agent answers with a value for it (not noSuchObject, noSuchInstance).
     */
    public record Snmp(int port, String oid, String community) implements Ask {
        public Snmp {
            Objects.requireNonNull(oid, "oid");
            Objects.requireNonNull(community, "community");
        }

        @Override
        public boolean udp() {
            return true;
        }

        @Override
        public String describe() {
            return "SNMP :" + port + "/udp GET " + oid;
        }
    }

    public ProbeSpec {
        Objects.requireNonNull(ask, "ask");
        Objects.requireNonNull(every, "every");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(startGrace, "startGrace");
        Objects.requireNonNull(loadField, "loadField");
    }

    /** An HTTP probe: a GET of {@code path} on the guest's TCP {@code port}. */
    public ProbeSpec(int port, String path, Duration every, Duration timeout, int restartAfter, Duration startGrace,
                     Optional<String> loadField) {
        this(new Http(port, path), every, timeout, restartAfter, startGrace, loadField);
    }

    /** The guest's port the probe goes to. */
    public int port() {
        return ask.port();
    }

    /** What the probe asks, for messages: {@code GET :80/health}. */
    public String describe() {
        return ask.describe();
    }
}
