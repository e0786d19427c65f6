package io.federa.manager.core.spec;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A catalog checks itself when built, whoever builds it: one that contradicts itself cannot exist. */
class CatalogTest {
    private static ApplicationSpec app(String name, List<String> dependsOn, List<String> avoid) {
        return new ApplicationSpec(name, "kvm", new Resources(1, 512, 10, 0), 1, 1, dependsOn,
                new PlacementRules(PlacementRules.Spread.HOST, avoid, false, 0, PlacementRules.CostPreference.PREFER_CHEAPEST),
                Optional.empty());
    }

    private static Map<String, ApplicationSpec> apps(ApplicationSpec... list) {
        Map<String, ApplicationSpec> m = new LinkedHashMap<>();
        for (ApplicationSpec a : list) {
            m.put(a.name(), a);
        }
        return m;
    }

    private static List<SpecError> problems(Map<String, ApplicationSpec> apps, Map<String, ServiceSpec> services) {
        try {
            new Catalog(apps, services);
        } catch (Catalog.InvalidCatalogException e) {
            return e.problems();
        }
        throw new AssertionError("the catalog was built");
    }

    @Test
    void a_consistent_catalog_is_built() {
        Catalog c = new Catalog(apps(app("db", List.of(), List.of()), app("web", List.of("db"), List.of("db"))),
                Map.of("shop", new ServiceSpec("shop", "", List.of("web"))));
        assertThat(c.startOrder("shop")).extracting(ApplicationSpec::name).containsExactly("db", "web");
    }

    @Test
    void a_reference_to_an_undefined_application_is_refused_with_where_it_is() {
        assertThat(problems(apps(app("web", List.of("db"), List.of("cache"))), Map.of()))
                .extracting(SpecError::toString)
                .containsExactly("applications.web.dependsOn[0]: unknown application \"db\" (defined: web)",
                        "applications.web.placement.avoid[0]: unknown application \"cache\" (defined: web)");
    }

    @Test
    void an_application_depending_on_itself_or_a_cycle_is_refused() {
        assertThat(problems(apps(app("web", List.of("web"), List.of())), Map.of())).extracting(SpecError::message)
                .containsExactly("an application cannot depend on itself");
        assertThat(problems(apps(app("web", List.of("payment"), List.of()), app("payment", List.of("web"), List.of())), Map.of()))
                .extracting(SpecError::message).containsExactly("dependency cycle: web → payment → web");
    }

    @Test
    void a_service_groups_at_least_one_defined_application_each_once() {
        Map<String, ApplicationSpec> a = apps(app("web", List.of(), List.of()));
        assertThat(problems(a, Map.of("shop", new ServiceSpec("shop", "", List.of())))).extracting(SpecError::toString)
                .containsExactly("services.shop.applications: must name at least one application");
        assertThat(problems(a, Map.of("shop", new ServiceSpec("shop", "", List.of("web", "db", "web")))))
                .extracting(SpecError::toString)
                .containsExactly("services.shop.applications[1]: unknown application \"db\" (defined: web)",
                        "services.shop.applications[2]: \"web\" is listed twice");
    }

    @Test
    void a_definition_keyed_under_another_name_is_refused() {
        assertThatThrownBy(() -> new Catalog(Map.of("api", app("web", List.of(), List.of())), Map.of()))
                .isInstanceOf(Catalog.InvalidCatalogException.class).hasMessageContaining("is keyed api but named web");
    }
}
