package io.federa.manager.core.spec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed reading of a document already parsed into plain maps, lists, strings, numbers and
 * booleans: each reader checks one field, records an error with the field's path when it is
 * wrong, and returns a neutral value so that reading goes on and every error is found at once.
 * The one way the manager reads its YAML (definitions and its own configuration).
 */
public abstract class TreeReader {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");
    protected final List<SpecError> errors = new ArrayList<>();

    protected void error(String field, String message) {
        errors.add(new SpecError(field, message));
    }

    @SuppressWarnings("unchecked")
    protected Map<String, Object> map(Object node, String p) {
        if (node instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        error(p.isEmpty() ? "(document)" : p, node == null ? "is required" : "must be a mapping of keys to values");
        return null;
    }

    protected List<Object> list(Object node, String p) {
        return list(node, p, false);
    }

    @SuppressWarnings("unchecked")
    protected List<Object> list(Object node, String p, boolean optional) {
        if (node == null && optional) {
            return List.of();
        }
        if (node instanceof List<?> l) {
            return (List<Object>) l;
        }
        error(p, node == null ? "is required" : "must be a list");
        return null;
    }

    protected void known(Map<String, Object> m, String p, Set<String> fields) {
        for (String k : m.keySet()) {
            if (!fields.contains(k)) {
                error(p.isEmpty() ? k : p + "." + k, "unknown field (known here: " + String.join(", ", new TreeSet<>(fields)) + ")");
            }
        }
    }

    protected String text(Object node, String p) {
        if (node instanceof String s) {
            return s;
        }
        error(p, node == null ? "is required" : "must be a string");
        return "";
    }

    /** A required string of the given shape. */
    protected String string(Object node, String p, Pattern pattern, String what) {
        if (node == null) {
            error(p, "is required");
            return "";
        }
        String s = text(node, p);
        if (node instanceof String && !pattern.matcher(s).matches()) {
            error(p, "must be " + what + ", got \"" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "\"");
        }
        return s;
    }

    /** A non-empty string; {@code fallback} when absent, or an error when the fallback is null. */
    protected String string(Object node, String p, String fallback) {
        if (node == null) {
            if (fallback == null) {
                error(p, "is required");
                return "";
            }
            return fallback;
        }
        if (!(node instanceof String s) || s.isBlank()) {
            error(p, "must be a non-empty string");
            return "";
        }
        return s;
    }

    protected long integer(Object node, String p, long min, long max, Long fallback) {
        if (node == null) {
            if (fallback == null) {
                error(p, "is required");
                return min;
            }
            return fallback;
        }
        if (!(node instanceof Integer || node instanceof Long || node instanceof Short || node instanceof java.math.BigInteger)) {
            error(p, "must be a whole number, got " + describe(node));
            return min;
        }
        java.math.BigInteger v = new java.math.BigInteger(node.toString());
        if (v.compareTo(java.math.BigInteger.valueOf(min)) < 0 || v.compareTo(java.math.BigInteger.valueOf(max)) > 0) {
            error(p, "must be between " + min + " and " + max + ", got " + v);
            return min;
        }
        return v.longValue();
    }

    protected double ratio(Object node, String p) {
        if (!(node instanceof Number n)) {
            error(p, node == null ? "is required" : "must be a number between 0 and 1, got " + describe(node));
            return 0;
        }
        double d = n.doubleValue();
        if (!Double.isFinite(d) || d < 0 || d > 1) {
            error(p, "must be a ratio between 0 and 1 (0.75 for 75%), got " + n);
            return 0;
        }
        return d;
    }

    protected boolean bool(Object node, String p, boolean fallback) {
        if (node == null) {
            return fallback;
        }
        if (node instanceof Boolean b) {
            return b;
        }
        error(p, "must be true or false, got " + describe(node));
        return fallback;
    }

    protected <T> T choice(Object node, String p, Map<String, T> options, T fallback) {
        if (node == null) {
            return fallback;
        }
        T t = node instanceof String s ? options.get(s) : null;
        if (t == null) {
            error(p, "must be one of " + String.join(", ", new TreeSet<>(options.keySet())) + ", got " + describe(node));
            return fallback;
        }
        return t;
    }

    /** A duration written with its unit (500ms, 30s, 5m, 1h, 7d). */
    protected Duration duration(Object node, String p, Duration fallback) {
        if (node == null) {
            return fallback;
        }
        Matcher m = node instanceof String s ? DURATION.matcher(s) : null;
        if (m == null || !m.matches()) {
            error(p, "must be a duration with its unit (500ms, 30s, 5m, 1h, 7d), got " + describe(node));
            return fallback;
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    protected static String describe(Object node) {
        if (node instanceof String s) {
            return "\"" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "\"";
        }
        if (node instanceof Map<?, ?>) {
            return "a mapping";
        }
        if (node instanceof List<?>) {
            return "a list";
        }
        return String.valueOf(node);
    }
}
