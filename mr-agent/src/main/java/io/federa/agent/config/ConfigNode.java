package io.federa.agent.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A read-only view of one YAML mapping that knows its own path, so every complaint names the
 * field. Reading is strict: a field of the wrong type is an error, never a silent default, and
 * {@link #rejectUnknown(Set)} refuses keys the program does not know (a typo must not be ignored).
 */
public final class ConfigNode {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    private final String path;
    private final JsonNode node;

    private ConfigNode(String path, JsonNode node) {
        this.path = path;
        this.node = node;
    }

    public static ConfigNode root(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            throw new ConfigException("", "the file is empty");
        }
        if (!node.isObject()) {
            throw new ConfigException("", "the top level must be a mapping of keys to values");
        }
        return new ConfigNode("", node);
    }

    public String path() {
        return path;
    }

    public String pathOf(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    public boolean has(String key) {
        JsonNode v = node.get(key);
        return v != null && !v.isNull();
    }

    public void rejectUnknown(Set<String> known) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new ConfigException(pathOf(name), "unknown field (known fields here: "
                        + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }

    public ConfigNode object(String key) {
        JsonNode v = require(key);
        if (!v.isObject()) {
            throw new ConfigException(pathOf(key), "must be a mapping of keys to values");
        }
        return new ConfigNode(pathOf(key), v);
    }

    public ConfigNode optionalObject(String key) {
        return has(key) ? object(key) : null;
    }

    public List<ConfigNode> objects(String key) {
        JsonNode v = require(key);
        if (!v.isArray()) {
            throw new ConfigException(pathOf(key), "must be a list");
        }
        List<ConfigNode> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode item = v.get(i);
            String p = pathOf(key) + "[" + i + "]";
            if (!item.isObject()) {
                throw new ConfigException(p, "must be a mapping of keys to values");
            }
            out.add(new ConfigNode(p, item));
        }
        return out;
    }

    public String string(String key) {
        JsonNode v = require(key);
        if (!v.isTextual()) {
            throw new ConfigException(pathOf(key), "must be a string, got " + describe(v));
        }
        String s = v.asText();
        if (s.isBlank()) {
            throw new ConfigException(pathOf(key), "must not be empty");
        }
        return s;
    }

    public String string(String key, String fallback) {
        return has(key) ? string(key) : fallback;
    }

    public String matching(String key, Pattern pattern, String what) {
        String s = string(key);
        if (!pattern.matcher(s).matches()) {
            throw new ConfigException(pathOf(key), "must be " + what + ", got \"" + s + "\"");
        }
        return s;
    }

    public List<String> strings(String key) {
        JsonNode v = require(key);
        if (!v.isArray()) {
            throw new ConfigException(pathOf(key), "must be a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode item = v.get(i);
            if (!item.isTextual() || item.asText().isBlank()) {
                throw new ConfigException(pathOf(key) + "[" + i + "]", "must be a non-empty string");
            }
            out.add(item.asText());
        }
        return out;
    }

    public boolean bool(String key) {
        JsonNode v = require(key);
        if (!v.isBoolean()) {
            throw new ConfigException(pathOf(key), "must be true or false, got " + describe(v));
        }
        return v.asBoolean();
    }

    public boolean bool(String key, boolean fallback) {
        return has(key) ? bool(key) : fallback;
    }

    public long integer(String key, long min, long max) {
        JsonNode v = require(key);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new ConfigException(pathOf(key), "must be a whole number, got " + describe(v));
        }
        long n = v.asLong();
        if (n < min || n > max) {
            throw new ConfigException(pathOf(key), "must be between " + min + " and " + max + ", got " + n);
        }
        return n;
    }

    public long integer(String key, long min, long max, long fallback) {
        return has(key) ? integer(key, min, max) : fallback;
    }

    public double decimal(String key, double min, double max) {
        JsonNode v = require(key);
        if (!v.isNumber()) {
            throw new ConfigException(pathOf(key), "must be a number, got " + describe(v));
        }
        double d = v.asDouble();
        if (!Double.isFinite(d) || d < min || d > max) {
            throw new ConfigException(pathOf(key), "must be between " + min + " and " + max + ", got " + v.asText());
        }
        return d;
    }

    public double decimal(String key, double min, double max, double fallback) {
        return has(key) ? decimal(key, min, max) : fallback;
    }

    /** A duration written with its unit: {@code 250ms}, {@code 1s}, {@code 5m}, {@code 1h}. */
    public Duration duration(String key, Duration min, Duration max, Duration fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonNode v = node.get(key);
        Matcher m = v.isTextual() ? DURATION.matcher(v.asText().trim()) : null;
        if (m == null || !m.matches()) {
            throw new ConfigException(pathOf(key),
                    "must be a duration with its unit, such as 500ms, 1s, 5m or 1h; got " + describe(v));
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw new ConfigException(pathOf(key), "must be between " + min.toMillis() + "ms and "
                    + max.toMillis() + "ms, got " + v.asText());
        }
        return d;
    }

    private JsonNode require(String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull() || v instanceof MissingNode) {
            throw new ConfigException(pathOf(key), "is required");
        }
        return v;
    }

    private static String describe(JsonNode v) {
        if (v.isTextual()) {
            return "\"" + v.asText() + "\"";
        }
        if (v.isObject()) {
            return "a mapping";
        }
        if (v.isArray()) {
            return "a list";
        }
        return v.toString();
    }
}
