package io.federa.agent.core;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** What a host concludes from its peers' statements, case by case and over random fleets. */
class PeerVerdictTest {
    private static final long OWN = 1_000_000;
    private static final long GAP = 2_500;

    private static LeaseStatement statement(long issuedAt, long term, int fleet) {
        return new LeaseStatement("manager-1", term, issuedAt, 5_000, 2_500, GAP,
                new LeaseStatement.Fleet("v", fleet, Optional.empty()));
    }

    private static Map<String, PeerVerdict.Answer> answers(Object... pairs) {
        Map<String, PeerVerdict.Answer> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], pairs[i + 1] instanceof Long at ? PeerVerdict.Answer.of(statement(at, 1, 5))
                    : PeerVerdict.Answer.failed((String) pairs[i + 1]));
        }
        return m;
    }

    @Test
    void a_majority_that_holds_no_fresher_lease_means_the_managers_are_away() {
        PeerVerdict v = PeerVerdict.judge(statement(OWN, 1, 5), answers("h2", OWN + 900L, "h3", OWN - 300L,
                "h4", "connection refused", "h5", "no answer within 625 ms"));
        assertThat(v.kind()).isEqualTo(PeerVerdict.Kind.MANAGERS_AWAY);
        assertThat(v.reached()).isEqualTo(3);
        assertThat(v.reason()).isEqualTo("the managers are away: 3 of 5 agents reached, none holds a lease fresher than this host's");
    }

    @Test
    void one_fresher_lease_is_enough_to_know_this_host_is_cut_off() {
        PeerVerdict v = PeerVerdict.judge(statement(OWN, 1, 5), answers("h2", OWN + GAP + 1, "h3", "refused",
                "h4", "refused", "h5", "refused"));
        assertThat(v.kind()).isEqualTo(PeerVerdict.Kind.CUT_OFF);
        assertThat(v.fresher()).containsExactly("h2 (issued 2501 ms later, term 1)");
        assertThat(PeerVerdict.judge(statement(OWN, 1, 5), answers("h2", OWN + GAP, "h3", OWN, "h4", OWN)).kind())
                .as("exactly the gap later is the same round").isEqualTo(PeerVerdict.Kind.MANAGERS_AWAY);
    }

    @Test
    void a_new_term_within_the_gap_proves_nothing() {
        Map<String, PeerVerdict.Answer> a = new LinkedHashMap<>();
        a.put("h2", PeerVerdict.Answer.of(statement(OWN + 400, 7, 3)));
        assertThat(PeerVerdict.judge(statement(OWN, 6, 3), a).kind()).isEqualTo(PeerVerdict.Kind.MANAGERS_AWAY);
    }

    @Test
    void no_majority_reached_is_isolation() {
        PeerVerdict v = PeerVerdict.judge(statement(OWN, 1, 4), answers("h2", OWN, "h3", "refused", "h4", "refused"));
        assertThat(v.kind()).isEqualTo(PeerVerdict.Kind.ISOLATED);
        assertThat(v.reason()).isEqualTo("isolated: reached 2 of 4 agents (this one included), a majority is 3; "
                + "not reached: h3 (refused), h4 (refused)");
        assertThat(PeerVerdict.judge(statement(OWN, 1, 1), Map.of()).kind())
                .as("a fleet of one is its own majority").isEqualTo(PeerVerdict.Kind.MANAGERS_AWAY);
    }

    /**
     * The safety half of the argument in docs/lifecycle.md: when a majority of the fleet holds
     * statements fresher than this host's, no set of answers — whoever answers, whoever does not,
     * whatever the others hold — lets this host keep running.
     */
    @Property(tries = 2_000)
    void a_fresher_majority_never_lets_the_host_run(@ForAll("worlds") World w) {
        PeerVerdict v = PeerVerdict.judge(w.own(), w.answers());
        if (w.fresherMajority()) {
            assertThat(v.mayKeepRunning()).as(w.toString()).isFalse();
        }
        if (v.kind() == PeerVerdict.Kind.MANAGERS_AWAY) {
            assertThat(v.reached()).isGreaterThanOrEqualTo(PeerVerdict.majority(w.size()));
        }
    }

    record World(int size, LeaseStatement own, Map<String, PeerVerdict.Answer> answers, Set<String> fresher) {
        boolean fresherMajority() {
            return fresher.size() >= PeerVerdict.majority(size);
        }
    }

    @Provide
    Arbitrary<World> worlds() {
        return Arbitraries.integers().between(1, 9).flatMap(n -> Combinators.combine(
                Arbitraries.longs().between(-5_000, 10_000).list().ofSize(n - 1),
                Arbitraries.integers().between(0, 2).list().ofSize(n - 1)).as((offsets, fate) -> {
            LeaseStatement own = statement(OWN, 1, n);
            Map<String, PeerVerdict.Answer> answers = new LinkedHashMap<>();
            Set<String> fresher = new HashSet<>();
            for (int i = 0; i < n - 1; i++) {
                String name = "h" + (i + 2);
                LeaseStatement s = statement(OWN + offsets.get(i), 1, n);
                if (own.isOlderThan(s)) {
                    fresher.add(name);
                }
                // 0: answers; 1: does not answer; 2: answers with nothing (restarted empty, refused signature)
                answers.put(name, switch (fate.get(i)) {
                    case 0 -> PeerVerdict.Answer.of(s);
                    case 1 -> PeerVerdict.Answer.failed("refused");
                    default -> PeerVerdict.Answer.failed("holds no statement yet");
                });
            }
            return new World(n, own, answers, fresher);
        }));
    }

    @Test
    void majorities_intersect() {
        for (int n = 1; n < 50; n++) {
            assertThat(2 * PeerVerdict.majority(n)).isGreaterThan(n);
        }
        assertThat(List.of(PeerVerdict.majority(1), PeerVerdict.majority(2), PeerVerdict.majority(3), PeerVerdict.majority(4)))
                .containsExactly(1, 2, 2, 3);
    }
}
