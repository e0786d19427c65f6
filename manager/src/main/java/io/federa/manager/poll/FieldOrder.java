package io.federa.manager.poll;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SerializedString;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The field names of one kind of object in the agents' answers (a host, a VM, a VM's disk …), in
 * the order the agents last sent them, so that reading an object makes no string of its names.
 *
 * <p>Each name is first guessed: the one that followed the previous name last time. Jackson's
 * {@link JsonParser#nextFieldName(com.fasterxml.jackson.core.SerializableString)} compares the
 * guess with the input in place; only a name that is not the guess becomes a string. An agent
 * writes its objects in one order (the manager's own for the VM attributes), so a fleet's answers
 * make no name strings at all once the first answer is read. Without it every name of every
 * answer was a new string: 45 % of the bytes the poll loop allocated (an allocation profile of
 * one ten-VM answer read 5,000 times; docs/benchmarks.md).
 *
 * <p>Thread-safe: what was learned is published whole, and two loops that learn different orders
 * at once only cost each other the strings this avoids. The names that identify the objects (a
 * VM's MBean name, a key of its own) are not read here: they are learned by no one.
 */
final class FieldOrder {
    /** At most this many names are learned, each at most this long; beyond, names are read as strings. */
    static final int MAX_NAMES = 64;
    static final int MAX_NAME_CHARS = 128;

    /** What the caller does with the value of a field it asked for; the parser stands on the value. */
    @FunctionalInterface
    interface Visitor {
        void field(int slot, JsonParser p) throws IOException, BadPayloadException;
    }

    /** An order learned: the names, each one's slot for the caller (-1: skipped), and each one's place. */
    private record Learned(SerializedString[] names, int[] slots, Map<String, Integer> places) {
    }

    private final Map<String, Integer> wanted;
    private volatile Learned learned;
    /** Orders learned after the first: how often the agents' order changed (for tests; loops that learn at once may count one). */
    private volatile int relearned;

    /**
     * @param wanted the names the caller reads, each with its slot; every other field is skipped
     *               (its name learned all the same, so that skipping it makes no string either)
     */
    FieldOrder(Map<String, Integer> wanted) {
        this.wanted = Map.copyOf(wanted);
        this.learned = learn(wanted.entrySet().stream().sorted(Map.Entry.comparingByValue()).map(Map.Entry::getKey).toList());
    }

    /** A field order for the names in {@code names}, each with its position there as its slot. */
    static FieldOrder of(List<String> names) {
        Map<String, Integer> wanted = new HashMap<>();
        for (String n : names) {
            wanted.putIfAbsent(n, wanted.size());
        }
        return new FieldOrder(wanted);
    }

    /**
     * Reads the object whose {@code START_OBJECT} is the current token, to its {@code END_OBJECT}:
     * calls {@code visitor} for each wanted field with the parser on its value (the visitor reads
     * or skips the whole value), and skips the others.
     */
    void read(JsonParser p, Visitor visitor) throws IOException, BadPayloadException {
        Learned l = learned;
        SerializedString[] names = l.names;
        int next = 0;
        int count = 0;
        List<String> seen = null;
        while (true) {
            int slot;
            if (next < names.length && p.nextFieldName(names[next])) {
                slot = l.slots[next];
                if (seen != null) {
                    seen.add(names[next].getValue());
                }
                next++;
            } else {
                JsonToken t = next < names.length ? p.currentToken() : p.nextToken();
                if (t != JsonToken.FIELD_NAME) {
                    if (t != JsonToken.END_OBJECT) {
                        throw new IOException("the answer ends in the middle of an object");
                    }
                    break;
                }
                String name = p.currentName();
                if (seen == null) {
                    seen = new ArrayList<>(Math.max(names.length, count + 1));
                    for (int i = 0; i < count; i++) {
                        seen.add(names[i].getValue());
                    }
                }
                seen.add(name);
                Integer place = l.places.get(name);
                next = place == null ? next : place + 1;
                Integer wantedSlot = wanted.get(name);
                slot = wantedSlot == null ? -1 : wantedSlot;
            }
            count++;
            p.nextToken();
            if (slot < 0) {
                p.skipChildren();
            } else {
                visitor.field(slot, p);
            }
        }
        if ((seen != null || count != names.length) && count > 0) {
            relearn(seen != null ? seen : firstNames(names, count));
        }
    }

    /** How many times the order was learned again since the first answer. */
    int relearned() {
        return relearned;
    }

    private static List<String> firstNames(SerializedString[] names, int count) {
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(names[i].getValue());
        }
        return out;
    }

    private void relearn(List<String> order) {
        Learned now = learn(order);
        if (!java.util.Arrays.equals(now.names, learned.names)) {
            learned = now;
            relearned++;
        }
    }

    private Learned learn(List<String> order) {
        List<SerializedString> names = new ArrayList<>();
        Map<String, Integer> places = new HashMap<>();
        for (String n : order) {
            if (names.size() == MAX_NAMES) {
                break;
            }
            if (n.length() <= MAX_NAME_CHARS && places.putIfAbsent(n, names.size()) == null) {
                names.add(new SerializedString(n));
            }
        }
        int[] slots = new int[names.size()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = wanted.getOrDefault(names.get(i).getValue(), -1);
        }
        return new Learned(names.toArray(SerializedString[]::new), slots, Map.copyOf(places));
    }
}
