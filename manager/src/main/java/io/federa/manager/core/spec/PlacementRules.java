package io.federa.manager.core.spec;

import java.util.List;

/**
 * Where an application may run.
 *
 * @param spreadReplicas   replicas on distinct hosts ({@code HOST}), distinct sites ({@code SITE}) or anywhere ({@code NONE})
 * @param avoid            applications this one must not share a host with
 * @param offsiteForbidden never on a host at another location
 * @param minSecurityLevel only on hosts of at least this security level
 * @param cost             how much cost weighs in choosing among suitable hosts
 */
public record PlacementRules(Spread spreadReplicas, List<String> avoid, boolean offsiteForbidden,
                             int minSecurityLevel, CostPreference cost) {
    public PlacementRules {
        avoid = List.copyOf(avoid);
    }

    public enum Spread { NONE, HOST, SITE }

    public enum CostPreference { IGNORE, PREFER_CHEAPEST }

    public static PlacementRules defaults() {
        return new PlacementRules(Spread.HOST, List.of(), false, 0, CostPreference.PREFER_CHEAPEST);
    }
}
