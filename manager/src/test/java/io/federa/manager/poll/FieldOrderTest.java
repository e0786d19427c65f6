package io.federa.manager.poll;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Field names matched against the order learned: the values read are those of the JSON, whatever the order. */
class FieldOrderTest {
    private static final JsonFactory JSON = JsonFactory.builder().disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES).build();
    private static final List<String> WANTED = List.of("Name", "State", "Vcpus", "Load", "Disk");

    /** Reads the wanted fields of one object, as the parser's scalars; a wanted object is skipped. */
    private static Map<String, Object> read(FieldOrder order, String json) throws Exception {
        Map<String, Object> out = new HashMap<>();
        try (JsonParser p = JSON.createParser(json)) {
            assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
            order.read(p, (slot, q) -> out.put(WANTED.get(slot), Streaming.scalar(q)));
            assertThat(p.currentToken()).as("the object is read to its end").isEqualTo(JsonToken.END_OBJECT);
            assertThat(p.nextToken()).as("and no further").isNull();
        }
        return out;
    }

    /** What the same object gives read as a tree: the wanted fields' values, a nested value as the scalar reader marks it. */
    private static Map<String, Object> expected(JsonObject o) {
        Map<String, Object> out = new HashMap<>();
        for (String f : WANTED) {
            if (o.containsKey(f)) {
                Object v = o.getValue(f);
                out.put(f, v instanceof JsonObject ? Streaming.OBJECT : v instanceof JsonArray ? Streaming.LIST : v);
            }
        }
        return out;
    }

    @Test
    void objects_in_any_order_with_extra_missing_and_nested_fields_read_as_their_tree_does() throws Exception {
        Random random = new Random(7);
        FieldOrder order = FieldOrder.of(WANTED);
        List<String> pool = new ArrayList<>(WANTED);
        for (int i = 0; i < 20; i++) {
            pool.add("extra" + i);
        }
        for (int round = 0; round < 2_000; round++) {
            // A few orders, each used for a while, as agents of a few versions would send them.
            Collections.shuffle(pool, new Random(round / 50));
            JsonObject o = new JsonObject();
            for (String name : pool.subList(0, 3 + random.nextInt(pool.size() - 3))) {
                if (random.nextInt(10) == 0) {
                    continue;
                }
                o.put(name, switch (random.nextInt(5)) {
                    case 0 -> "v" + random.nextInt(100);
                    case 1 -> (long) random.nextInt();
                    case 2 -> random.nextDouble();
                    case 3 -> new JsonObject().put("Name", "inner").put("deeper", new JsonArray().add(1).add(new JsonObject()));
                    default -> new JsonArray().add("a").add(new JsonObject().put("x", 1));
                });
            }
            String json = o.encode();
            Map<String, Object> got = read(order, json);
            Map<String, Object> want = expected(o);
            assertThat(got.keySet()).as(json).isEqualTo(want.keySet());
            for (String k : want.keySet()) {
                Object g = got.get(k);
                Object w = want.get(k);
                if (w instanceof Number n) {
                    assertThat(((Number) g).doubleValue()).as(json + " " + k).isEqualTo(n.doubleValue());
                } else {
                    assertThat(g).as(json + " " + k).isEqualTo(w);
                }
            }
        }
    }

    @Test
    void an_order_is_learned_once_and_kept_while_the_agents_keep_it() throws Exception {
        FieldOrder order = FieldOrder.of(WANTED);
        String agentOrder = "{\"Disk\":{\"capacityBytes\":1},\"Other\":true,\"Name\":\"web-1\",\"State\":\"RUNNING\",\"Vcpus\":2}";
        read(order, agentOrder);
        assertThat(order.relearned()).as("the first answer teaches the agents' order").isEqualTo(1);
        for (int i = 0; i < 10; i++) {
            assertThat(read(order, agentOrder)).containsEntry("Name", "web-1").containsEntry("Vcpus", 2);
        }
        assertThat(order.relearned()).as("the same order again teaches nothing").isEqualTo(1);
        String newer = "{\"Name\":\"web-1\",\"State\":\"RUNNING\",\"Vcpus\":2,\"Load\":0.5,\"Disk\":{},\"Other\":true}";
        read(order, newer);
        read(order, newer);
        assertThat(order.relearned()).as("an agent that changed its order is learned again, once").isEqualTo(2);
        assertThat(read(order, "{}")).isEmpty();
        assertThat(order.relearned()).as("an empty object teaches nothing").isEqualTo(2);
    }

    @Test
    void more_names_than_are_learned_and_repeated_names_still_read_right() throws Exception {
        FieldOrder order = FieldOrder.of(WANTED);
        StringBuilder many = new StringBuilder("{");
        for (int i = 0; i < FieldOrder.MAX_NAMES + 30; i++) {
            many.append("\"f").append(i).append("\":").append(i).append(',');
        }
        many.append("\"Name\":\"last\",\"Vcpus\":1,\"Vcpus\":3}");
        for (int i = 0; i < 3; i++) {
            assertThat(read(order, many.toString())).isEqualTo(Map.of("Name", "last", "Vcpus", 3));
        }
        assertThat(order.relearned()).as("a long object is learned as far as the limit, once").isEqualTo(1);
        String longName = "{\"" + "n".repeat(FieldOrder.MAX_NAME_CHARS + 1) + "\":1,\"State\":\"x\"}";
        assertThat(read(order, longName)).isEqualTo(Map.of("State", "x"));
    }

    @Test
    void an_object_cut_short_is_an_error_not_a_partial_read() {
        FieldOrder order = FieldOrder.of(WANTED);
        assertThatThrownBy(() -> read(order, "{\"Name\":\"web-1\",\"State\":")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> read(order, "{\"Name\":\"web-1\"")).isInstanceOf(IOException.class);
    }
}
