package io.federa.agent.supervisor;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * The lines the agent and its lease supervisor exchange over the supervisor's standard input and
 * output, one message a line, in ASCII. Times are {@code System.nanoTime()} values: both processes
 * run on one host, where the JVM reads that clock from the kernel's {@code CLOCK_MONOTONIC}, so the
 * two read the same clock (the handshake checks it).
 *
 * <pre>
 * agent → supervisor   hello NANOS            the agent's clock now
 *                      until NANOS            managed VMs may run until then
 *                      until none             they may not run at all
 * supervisor → agent   ready NANOS PID        its clock on reading hello, and its process id
 *                      holds NANOS|none       what it enforces now (after each until)
 *                      fenced NAME UUID EPOCH a managed VM it powered off
 * </pre>
 */
public final class SupervisorProtocol {
    public static final String HELLO = "hello";
    public static final String UNTIL = "until";
    public static final String READY = "ready";
    public static final String HOLDS = "holds";
    public static final String FENCED = "fenced";
    private static final String NONE = "none";

    private SupervisorProtocol() {
    }

    /** One line, split into its word and arguments. */
    public record Message(String word, String[] args) {
        public String arg(int i) {
            if (i >= args.length) {
                throw new IllegalArgumentException(word + ": expected " + (i + 1) + " arguments, got " + args.length);
            }
            return args[i];
        }

        public long nanos(int i) {
            try {
                return Long.parseLong(arg(i));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(word + ": not a time in nanoseconds: " + arg(i));
            }
        }

        /** An argument that is a time or {@code none}. */
        public OptionalLong deadline(int i) {
            return arg(i).equals(NONE) ? OptionalLong.empty() : OptionalLong.of(nanos(i));
        }
    }

    /** Parses a line; empty for a blank one. */
    public static Optional<Message> parse(String line) {
        String t = line.strip();
        if (t.isEmpty()) {
            return Optional.empty();
        }
        String[] parts = t.split(" +");
        String[] args = new String[parts.length - 1];
        System.arraycopy(parts, 1, args, 0, args.length);
        return Optional.of(new Message(parts[0], args));
    }

    public static String hello(long nanos) {
        return HELLO + " " + nanos;
    }

    public static String until(OptionalLong nanos) {
        return UNTIL + " " + format(nanos);
    }

    public static String ready(long nanos, long pid) {
        return READY + " " + nanos + " " + pid;
    }

    public static String holds(OptionalLong nanos) {
        return HOLDS + " " + format(nanos);
    }

    public static String fenced(String name, String uuid, long epoch) {
        return FENCED + " " + name + " " + uuid + " " + epoch;
    }

    private static String format(OptionalLong nanos) {
        return nanos.isPresent() ? Long.toString(nanos.getAsLong()) : NONE;
    }
}
