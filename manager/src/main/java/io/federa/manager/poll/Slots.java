package io.federa.manager.poll;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.util.Arrays;

/**
 * The values of one object's fields as read from an answer, by slot: whole numbers and decimals
 * kept unboxed (boxing each number of each answer was a tenth of the poll loop's allocation), the
 * rest as {@link Streaming#scalar} reads it. The getters check the type and name the field when it
 * is wrong; {@link #raw} gives a value as it was for the messages. Reused from one object to the
 * next by one thread.
 */
final class Slots {
    private static final byte NONE = 0;
    private static final byte LONG = 1;
    private static final byte DOUBLE = 2;
    private static final byte OTHER = 3;
    /** Stands in a slot whose value was an object read field by field into other slots. */
    static final Object READ_OBJECT = new Object();

    private final byte[] kinds;
    private final long[] longs;
    private final double[] doubles;
    private final Object[] others;

    Slots(int size) {
        kinds = new byte[size];
        longs = new long[size];
        doubles = new double[size];
        others = new Object[size];
    }

    void clear() {
        Arrays.fill(kinds, NONE);
        Arrays.fill(others, null);
    }

    /** Reads the value at the parser's current token into {@code slot} (an object or a list is skipped). */
    void read(int slot, JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            kinds[slot] = LONG;
            longs[slot] = p.getLongValue();
        } else if (t == JsonToken.VALUE_NUMBER_FLOAT) {
            kinds[slot] = DOUBLE;
            doubles[slot] = p.getDoubleValue();
        } else {
            set(slot, Streaming.scalar(p));
        }
    }

    /**
     * Reads the value at the parser's current token into {@code slot}, as {@link #read} does, but
     * a string equal to {@code previous} is {@code previous} itself: no string is made for a value
     * that did not change since the agent's last answer, and what the manager keeps of it is one
     * string, not one per poll.
     */
    void read(int slot, JsonParser p, String previous) throws IOException {
        if (previous != null && p.currentToken() == JsonToken.VALUE_STRING && same(previous, p)) {
            set(slot, previous);
        } else {
            read(slot, p);
        }
    }

    /** Whether the string at the parser's current token is {@code s}, compared in place. */
    static boolean same(String s, JsonParser p) throws IOException {
        int length = p.getTextLength();
        if (s.length() != length) {
            return false;
        }
        char[] chars = p.getTextCharacters();
        int offset = p.getTextOffset();
        for (int i = 0; i < length; i++) {
            if (s.charAt(i) != chars[offset + i]) {
                return false;
            }
        }
        return true;
    }

    /** The order of {@code s} against the string at the parser's current token, compared in place. */
    static int compare(String s, JsonParser p) throws IOException {
        int length = p.getTextLength();
        char[] chars = p.getTextCharacters();
        int offset = p.getTextOffset();
        int n = Math.min(s.length(), length);
        for (int i = 0; i < n; i++) {
            int d = s.charAt(i) - chars[offset + i];
            if (d != 0) {
                return d;
            }
        }
        return s.length() - length;
    }

    /** Puts a value read otherwise (a list, {@link #READ_OBJECT}). */
    void set(int slot, Object value) {
        kinds[slot] = OTHER;
        others[slot] = value;
    }

    /** Whether the field came with a value other than null. */
    boolean present(int slot) {
        return kinds[slot] != NONE && (kinds[slot] != OTHER || others[slot] != null);
    }

    /** The value as {@link Streaming#scalar} would have read it: null when absent. */
    Object raw(int slot) {
        return switch (kinds[slot]) {
            case LONG -> longs[slot];
            case DOUBLE -> doubles[slot];
            case OTHER -> others[slot];
            default -> null;
        };
    }

    long whole(int slot, String field) throws BadPayloadException {
        if (kinds[slot] != LONG) {
            throw new BadPayloadException(field + " is " + describe(raw(slot)) + ", not a whole number");
        }
        return longs[slot];
    }

    double decimal(int slot, String field) throws BadPayloadException {
        double d = switch (kinds[slot]) {
            case LONG -> longs[slot];
            case DOUBLE -> doubles[slot];
            default -> others[slot] instanceof Number n ? n.doubleValue() : Double.NaN;
        };
        if (!Double.isFinite(d)) {
            throw new BadPayloadException(field + " is " + describe(raw(slot)) + ", not a number");
        }
        return d;
    }

    String string(int slot, String field) throws BadPayloadException {
        if (kinds[slot] != OTHER || !(others[slot] instanceof String s)) {
            throw new BadPayloadException(field + " is " + describe(raw(slot)) + ", not a string");
        }
        if (s.length() > 1024) {
            throw new BadPayloadException(field + " is " + s.length() + " characters long");
        }
        return s;
    }

    boolean bool(int slot, String field) throws BadPayloadException {
        if (kinds[slot] != OTHER || !(others[slot] instanceof Boolean b)) {
            throw new BadPayloadException(field + " is " + describe(raw(slot)) + ", not true or false");
        }
        return b;
    }

    /** A value as a message shows it: {@code missing}, a clipped string in quotes, {@code an object} … */
    static String describe(Object v) {
        if (v == null) {
            return "missing";
        }
        if (v instanceof String s) {
            return "\"" + clip(s) + "\"";
        }
        if (v instanceof io.vertx.core.json.JsonObject || v == Streaming.OBJECT || v == READ_OBJECT) {
            return "an object";
        }
        if (v instanceof Iterable || v == Streaming.LIST) {
            return "a list";
        }
        return clip(String.valueOf(v));
    }

    static String clip(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }
}
