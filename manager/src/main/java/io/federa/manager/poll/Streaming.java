package io.federa.manager.poll;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;

/**
 * Small reads from a JSON token stream, for the answers' parsers: a whole value as Vert.x JSON
 * (for the few small parts read as a tree), or a scalar.
 * Nesting is bounded: an answer nested deeper than {@value #MAX_DEPTH} is refused, not followed.
 */
final class Streaming {
    /** What a scalar read finds where an object or a list stands (skipped, not read). */
    static final Object OBJECT = new Object();
    static final Object LIST = new Object();
    static final int MAX_DEPTH = 32;

    private Streaming() {
    }

    /** The value at the current token, as Vert.x JSON: JsonObject, JsonArray, String, Number, Boolean, or null. */
    static Object value(JsonParser p, int depth) throws IOException, BadPayloadException {
        if (depth > MAX_DEPTH) {
            throw new BadPayloadException("the answer is nested more than " + MAX_DEPTH + " levels deep");
        }
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            JsonObject o = new JsonObject();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                o.put(name, value(p, depth + 1));
            }
            return o;
        }
        if (t == JsonToken.START_ARRAY) {
            JsonArray a = new JsonArray();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                a.add(value(p, depth + 1));
            }
            return a;
        }
        return scalar(p);
    }

    /** The scalar at the current token; {@link #OBJECT} or {@link #LIST} (skipped) where there is none. */
    static Object scalar(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == null) {
            throw new IOException("the answer ends early");
        }
        return switch (t) {
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getNumberValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case START_OBJECT -> {
                p.skipChildren();
                yield OBJECT;
            }
            case START_ARRAY -> {
                p.skipChildren();
                yield LIST;
            }
            default -> null;
        };
    }
}
