package io.federa.agent.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.federa.agent.command.StrictJson;
import io.federa.agent.core.InvalidSpecException;
import io.federa.agent.core.Names;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The JSON arguments of offerData, importData and discardData, read as strictly as
 * {@code execute}'s command: unknown fields, wrong types and duplicate keys are refused with the
 * field named.
 */
final class DataRequests {
    static final int MAX_CHARS = 4096;
    static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{16,128}");
    static final String TOKEN_RULE = "16 to 128 characters among A-Z a-z 0-9 _ -";
    private static final Pattern UUID_TEXT = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final ObjectMapper JSON = StrictJson.mapper(2, MAX_CHARS, 20);

    private DataRequests() {
    }

    record Offer(String migrationId, int attempt, UUID uuid, String vm, String token) {
    }

    record Import(String migrationId, int attempt, UUID uuid, String vm, URI url, String token, long dataBytes) {
    }

    record Discard(String migrationId, UUID uuid) {
    }

    static Offer offer(String json) {
        JsonNode n = object(json, List.of("migrationId", "attempt", "uuid", "vm", "token"));
        return new Offer(migrationId(n), attempt(n), uuid(n), vm(n), token(n));
    }

    static Import importing(String json) {
        JsonNode n = object(json, List.of("migrationId", "attempt", "uuid", "vm", "url", "token", "dataBytes"));
        UUID uuid = uuid(n);
        return new Import(migrationId(n), attempt(n), uuid, vm(n), url(n, uuid), token(n), whole(n, "dataBytes", 0));
    }

    static Discard discard(String json) {
        JsonNode n = object(json, List.of("migrationId", "uuid"));
        return new Discard(migrationId(n), uuid(n));
    }

    static String migrationId(String id) {
        if (!Names.isToken(id) || id.startsWith(".")) {
            throw new InvalidSpecException("migrationId", "must be " + Names.TOKEN_RULE + ", not starting with '.'");
        }
        return id;
    }

    private static JsonNode object(String json, List<String> fields) {
        String all = String.join(", ", fields);
        return StrictJson.object(JSON, json, "request", MAX_CHARS, "a JSON object with " + all,
                fields, all);
    }

    private static String migrationId(JsonNode n) {
        return migrationId(text(n, "migrationId"));
    }

    private static int attempt(JsonNode n) {
        return (int) whole(n, "attempt", 1, Integer.MAX_VALUE);
    }

    private static UUID uuid(JsonNode n) {
        String s = text(n, "uuid");
        if (!UUID_TEXT.matcher(s).matches()) {
            throw new InvalidSpecException("uuid", "must be a UUID in lower-case canonical form");
        }
        return UUID.fromString(s);
    }

    private static String vm(JsonNode n) {
        String s = text(n, "vm");
        if (!Names.isDnsLabel(s)) {
            throw new InvalidSpecException("vm", "must be " + Names.DNS_LABEL_RULE);
        }
        return s;
    }

    private static String token(JsonNode n) {
        String s = text(n, "token");
        if (!TOKEN.matcher(s).matches()) {
            throw new InvalidSpecException("token", "must be " + TOKEN_RULE);
        }
        return s;
    }

    /** An http(s) URL of a source agent's data endpoint for this very UUID. */
    private static URI url(JsonNode n, UUID uuid) {
        String s = text(n, "url");
        URI u;
        try {
            u = new URI(s);
        } catch (URISyntaxException e) {
            throw new InvalidSpecException("url", "is not a URL: " + e.getReason());
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null) {
            throw new InvalidSpecException("url", "must be an http or https URL with a host");
        }
        if (!(VmDataTransfers.DATA_PATH + uuid).equals(u.getPath()) || u.getQuery() != null || u.getUserInfo() != null) {
            throw new InvalidSpecException("url", "must name the source's " + VmDataTransfers.DATA_PATH + uuid);
        }
        return u;
    }

    private static long whole(JsonNode n, String field, long min) {
        return whole(n, field, min, Long.MAX_VALUE);
    }

    private static long whole(JsonNode n, String field, long min, long max) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new InvalidSpecException(field, "is required");
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
            throw new InvalidSpecException(field, "must be a whole number from " + min
                    + (max == Long.MAX_VALUE ? " up" : " to " + max));
        }
        return v.asLong();
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new InvalidSpecException(field, "is required");
        }
        if (!v.isTextual()) {
            throw new InvalidSpecException(field, "must be a string");
        }
        return v.asText();
    }
}
